import Foundation

/// The image files a command is given: files, folders (every .png, .jpg and .jpeg under them, in
/// path order) and list files (one path per line).
public struct ImageFileList {
    /// One image to read, and where it was named (for messages: "list.txt:3").
    public struct Item: Equatable {
        public var path: String
        /// Nil for a command-line argument.
        public var origin: String?
    }

    public private(set) var items: [Item] = []

    public init() {}

    /// Adds a path: a folder adds its image files, anything else is added as is (its decoding
    /// reports a missing or bad file).
    /// - Throws: `DataError.empty` for a folder without image files.
    public mutating func add(path: String, origin: String? = nil) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            items.append(Item(path: path, origin: origin))
            return
        }
        var found: [String] = []
        collect(path, into: &found)
        if found.isEmpty {
            throw DataError.empty(
                path: (origin.map { $0 + ": " } ?? "") + path, detail: "no .png, .jpg or .jpeg files in this folder")
        }
        items += found.sorted().map { Item(path: $0, origin: origin) }
    }

    /// Adds the paths of a list file (`-`: standard input): one per line; blank lines and lines
    /// starting with `#` are skipped; CRLF line ends are accepted; relative paths are
    /// relative to the working directory (as `find … > list.txt` writes them).
    /// - Throws: `DataError.io` when the list cannot be read, `DataError.empty` when it names nothing.
    public mutating func add(listFile: String) throws {
        let data: Data
        if listFile == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: listFile) else {
                throw DataError.io(
                    path: listFile, detail: "cannot read the list file (\(String(cString: strerror(errno))))")
            }
            data = contents
        }
        let name = listFile == "-" ? "<stdin>" : listFile
        let before = items.count
        for (number, rawLine) in String(decoding: data, as: UTF8.self).split(
            omittingEmptySubsequences: false, whereSeparator: \.isNewline
        ).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            try add(path: line, origin: "\(name):\(number + 1)")
        }
        if items.count == before {
            throw DataError.empty(path: name, detail: "the list names no image file (one path per line)")
        }
    }

    private func collect(_ directory: String, into found: inout [String]) {
        for name in listDirectory(directory) where !name.hasPrefix(".") {
            let path = directory + "/" + name
            var status = stat()
            guard stat(path, &status) == 0 else { continue }
            if (status.st_mode & S_IFMT) == S_IFDIR {
                collect(path, into: &found)
            } else if let dot = name.lastIndex(of: "."),
                FolderLayout.imageExtensions.contains(name[name.index(after: dot)...].lowercased())
            {
                found.append(path)
            }
        }
    }
}
