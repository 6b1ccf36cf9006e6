/// The text of a model definition (`Models/<name>.cfg`), split into statements with line numbers.
///
/// Format (documented for users in Models/README.md): one layer per line, `kind key=value …`;
/// `#` starts a comment; `residual` … [`shortcut` …] `end` groups lines into a residual block.
public struct ModelFile {
    public struct Statement: Equatable {
        public let kind: String
        public let arguments: [String: String]
        /// The order in which arguments were written (for messages).
        public let argumentOrder: [String]
        public let line: Int
    }

    /// Where the text came from, for messages ("Models/smallcnn.cfg").
    public let path: String
    public let statements: [Statement]
    /// The comment lines at the top of the file (the model's own description).
    public let description: String

    /// Reads `text` with Unix (LF), Windows (CRLF) or old Mac (CR) line endings, with or without a
    /// UTF-8 byte-order mark. (Swift reads "\r\n" as one Character, so a split on "\n" alone would
    /// read a CRLF file as a single line.)
    public init(text: String, path: String) throws {
        self.path = path
        var text = text
        if text.unicodeScalars.first == "\u{FEFF}" { text = String(text.unicodeScalars.dropFirst()) }
        text = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        var statements: [Statement] = []
        var header: [String] = []
        var seenStatement = false
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            var line = Substring(rawLine)
            if let hash = line.firstIndex(of: "#") {
                if !seenStatement {
                    let comment = line[line.index(after: hash)...].trimmingCharacters(in: " \t\r")
                    if line[..<hash].trimmingCharacters(in: " \t\r").isEmpty { header.append(comment) }
                }
                line = line[..<hash]
            }
            let tokens = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            guard let kind = tokens.first else { continue }
            seenStatement = true
            var arguments: [String: String] = [:]
            var order: [String] = []
            for token in tokens.dropFirst() {
                guard let equals = token.firstIndex(of: "="), equals != token.startIndex,
                    token.index(after: equals) != token.endIndex
                else {
                    throw ModelFileError(
                        path: path, line: lineNumber,
                        message: "'\(token)' is not of the form key=value (for example filters=32)")
                }
                let key = String(token[..<equals]).lowercased()
                if arguments[key] != nil {
                    throw ModelFileError(path: path, line: lineNumber, message: "'\(key)' is given twice")
                }
                arguments[key] = String(token[token.index(after: equals)...])
                order.append(key)
            }
            statements.append(
                Statement(kind: kind.lowercased(), arguments: arguments, argumentOrder: order, line: lineNumber))
        }
        self.statements = statements
        self.description = header.joined(separator: "\n").trimmingCharacters(in: "\n ")
    }
}

/// A mistake in a model file: names the file and line, says what is wrong and what is allowed.
public struct ModelFileError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let line: Int
    public let message: String
    public init(path: String, line: Int, message: String) {
        self.path = path; self.line = line; self.message = message
    }
    public var description: String { line > 0 ? "\(path):\(line): \(message)" : "\(path): \(message)" }
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        var start = startIndex, end = endIndex
        while start < end, set.contains(self[start]) { start = index(after: start) }
        while end > start, set.contains(self[index(before: end)]) { end = index(before: end) }
        return String(self[start..<end])
    }
}
