/// Reads the key=value arguments of one model-file line, with messages that name the line and the key.
struct ArgumentReader {
    let statement: ModelFile.Statement
    let path: String
    let classCount: Int
    /// The keys this line's kind takes.
    let keys: [ArgumentKey]
    private var used: Set<String> = []

    init(statement: ModelFile.Statement, path: String, classCount: Int, keys: [ArgumentKey]) {
        self.statement = statement; self.path = path; self.classCount = classCount; self.keys = keys
    }

    func error(_ message: String) -> ModelFileError {
        ModelFileError(path: path, line: statement.line, message: message)
    }

    /// "outputChannels, kernelSize, stride, padding, bias", or "no arguments".
    var allowedText: String { keys.isEmpty ? "no arguments" : keys.map(\.name).joined(separator: ", ") }

    /// The value given for `key` under any of its spellings, and the spelling used (for messages).
    private mutating func text(_ key: String) throws -> (spelling: String, text: String)? {
        guard let argument = keys.first(where: { $0.name == key }) else {
            preconditionFailure("'\(statement.kind)' reads '\(key)', which is not among its keys")
        }
        let given = argument.spellings.filter { statement.arguments[$0] != nil }
        // ModelFile keeps keys in lower case: show the current name as the README writes it.
        let shown = given.map { $0 == key.lowercased() ? key : $0 }
        guard let spelling = given.first else { return nil }
        guard given.count == 1 else {
            throw error("'\(shown[0])' and '\(shown[1])' are the same argument; give it once")
        }
        used.insert(spelling)
        return (shown[0], statement.arguments[spelling]!)
    }

    mutating func optionalInt(_ key: String, min: Int) throws -> Int? {
        guard let (name, text) = try text(key) else { return nil }
        let value = text == "classes" ? classCount : Int(text)
        guard let value else { throw error("\(name)=\(text) is not a whole number") }
        guard value >= min else { throw error("\(name)=\(value) must be at least \(min)") }
        // Sizes far beyond a small CNN would only overflow the shape arithmetic or exhaust memory.
        guard value <= ResolvedModel.maximumDimension else {
            throw error("\(name)=\(value) must be at most \(ResolvedModel.maximumDimension)")
        }
        return value
    }

    mutating func int(_ key: String, min: Int) throws -> Int {
        guard let value = try optionalInt(key, min: min) else {
            let example = keys.first { $0.name == key }?.example ?? "3"
            throw error("'\(statement.kind)' needs \(key)=… (for example \(key)=\(example))")
        }
        return value
    }

    mutating func optionalFloat(_ key: String) throws -> Float? {
        guard let (name, text) = try text(key) else { return nil }
        guard let value = Float(text), value.isFinite else { throw error("\(name)=\(text) is not a number") }
        return value
    }

    mutating func optionalBool(_ key: String) throws -> Bool? {
        guard let (name, text) = try text(key) else { return nil }
        switch text.lowercased() {
        case "yes", "true", "1": return true
        case "no", "false", "0": return false
        default: throw error("\(name)=\(text) must be yes or no")
        }
    }

    /// Rejects keys the layer kind does not take (a typo such as `filter=32`), before anything
    /// else is reported about the line.
    func rejectUnknownKeys() throws {
        let known = keys.flatMap(\.spellings)
        if let unknown = statement.argumentOrder.first(where: { !known.contains($0) }) {
            throw error(
                "'\(statement.kind)' has no argument '\(unknown)'\(suggestion(for: unknown, among: known)); it takes \(allowedText)"
            )
        }
    }

    /// Rejects arguments nobody read (a key the kind lists but did not use on this line).
    func finish() throws {
        if let unknown = statement.argumentOrder.first(where: { !used.contains($0) }) {
            throw error("'\(statement.kind)' has no argument '\(unknown)'; it takes \(allowedText)")
        }
    }

    /// " (did you mean 'filters'?)" for a near miss, else "".
    private func suggestion(for key: String, among known: [String]) -> String {
        guard let nearest = known.min(by: { editDistance($0, key) < editDistance($1, key) }),
            editDistance(nearest, key) <= max(2, key.count / 3)
        else { return "" }
        let written = keys.flatMap { [$0.name] + $0.formerNames }.first { $0.lowercased() == nearest } ?? nearest
        return " (did you mean '\(written)'?)"
    }
}
