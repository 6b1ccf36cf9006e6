import Foundation

/// Finds model files: a path, or a name in the `Models/` folder of the working directory, of
/// `$CNNTRAIN_MODELS`, or of the repository the executable was built in.
public enum ModelCatalog {
    public static let fileExtension = "cfg"

    /// The folders searched for model names, in order.
    public static var searchFolders: [String] {
        var folders: [String] = []
        if let custom = ProcessInfo.processInfo.environment["CNNTRAIN_MODELS"] { folders.append(custom) }
        folders.append(FileManager.default.currentDirectoryPath + "/Models")
        // The executable lives in <repo>/.build/<triple>/<config>/cnntrain (found through PATH or a symlink too).
        var url = URL(fileURLWithPath: ExecutablePath.current).deletingLastPathComponent()
        for _ in 0..<4 {
            folders.append(url.appendingPathComponent("Models").path)
            url = url.deletingLastPathComponent()
        }
        var seen = Set<String>()
        return folders.filter { seen.insert(URL(fileURLWithPath: $0).standardizedFileURL.path).inserted }
    }

    /// The names of the models in the first folder that has any.
    public static func availableNames() -> [String] {
        for folder in searchFolders {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
                .filter { $0.hasSuffix("." + fileExtension) }.map { String($0.dropLast(fileExtension.count + 1)) }
                .sorted()
            if !names.isEmpty { return names }
        }
        return []
    }

    /// Reads a model given as a name (`smallcnn`) or a path (`my/net.cfg`).
    public static func load(_ nameOrPath: String) throws -> (name: String, file: ModelFile) {
        var candidates: [String] = []
        if nameOrPath.contains("/") || nameOrPath.hasSuffix("." + fileExtension) {
            candidates = [nameOrPath]
        } else {
            candidates = searchFolders.map { "\($0)/\(nameOrPath).\(fileExtension)" }
        }
        for path in candidates where FileManager.default.fileExists(atPath: path) {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                throw ModelFileError(
                    path: path, line: 0,
                    message:
                        "is a directory; give a .\(fileExtension) file (for example \(path.hasSuffix("/") ? path : path + "/")smallcnn.\(fileExtension)) or one of: \(availableNames().joined(separator: ", "))"
                )
            }
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
            else {
                throw ModelFileError(path: path, line: 0, message: "cannot be read as UTF-8 text")
            }
            let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            let shown =
                path.hasPrefix(FileManager.default.currentDirectoryPath + "/")
                ? String(path.dropFirst(FileManager.default.currentDirectoryPath.count + 1)) : path
            return (name, try ModelFile(text: text, path: shown))
        }
        let available = availableNames()
        throw ModelFileError(
            path: nameOrPath, line: 0,
            message:
                "no such model file; give a path to a .\(fileExtension) file or one of: \(available.isEmpty ? "(no Models/ folder found)" : available.joined(separator: ", "))"
        )
    }
}
