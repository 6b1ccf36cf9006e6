import CNNCore
import Foundation
import ImageIO

/// A class name as a directory name: "/" and NUL become "_" (so "T-shirt/top" → "T-shirt_top").
public func directoryName(forClass name: String) -> String {
    let cleaned = String(name.map { $0 == "/" || $0 == "\0" ? "_" : $0 })
    return cleaned.isEmpty || cleaned == "." || cleaned == ".." ? "_" + cleaned : cleaned
}

/// Writes `store` as an image folder: `root/<class>/<index>.png|jpg`, index zero-padded to 5 digits
/// (position in the store), class directories named by `directoryName(forClass:)`. Encodes in
/// parallel (`threads`, 0 = `Parallel.threadCount`).
/// - Parameter quality: JPEG quality 1–100 (ignored for PNG).
public func exportImageFolder(
    store: ImageStore, root: String, format: ImageFormat, quality: Int = 90,
    threads: Int = 0
) throws {
    let manager = FileManager.default
    for name in store.classNames {
        try manager.createDirectory(
            atPath: root + "/" + directoryName(forClass: name), withIntermediateDirectories: true)
    }
    var failures = [String?](repeating: nil, count: store.count)
    failures.withUnsafeMutableBufferPointer { failureBuffer in
        let failureBase = failureBuffer.baseAddress!
        forEachChunk(store.count, threads: threads) { range in
            for i in range {
                let label = Int(store.labels[i])
                let path =
                    root + "/" + directoryName(forClass: store.classNames[label]) + "/"
                    + String(repeating: "0", count: max(0, 5 - String(i).count)) + String(i) + "."
                    + format.fileExtension
                do {
                    let image = store.image(at: i)
                    let bytes =
                        format == .png ? try ImageEncoder.png(image) : try ImageEncoder.jpeg(image, quality: quality)
                    try writeFile(path, bytes)
                } catch {
                    failureBase[i] = "\(path): \(error)"
                }
            }
        }
    }
    if let failure = failures.first(where: { $0 != nil }) { throw DataError.io(path: root, detail: failure!) }
}

/// Writes a loaded dataset as `root/train/<class>/…` and `root/test/<class>/…` (the layout
/// `DatasetSource.imageFolder` reads back with the same split).
public func exportDataset(
    _ dataset: LoadedDataset, root: String, format: ImageFormat, quality: Int = 90,
    threads: Int = 0
) throws {
    try exportImageFolder(
        store: dataset.train, root: root + "/train", format: format, quality: quality, threads: threads)
    try exportImageFolder(store: dataset.test, root: root + "/test", format: format, quality: quality, threads: threads)
}

/// Writes `bytes` to `path` with POSIX calls (many small files: no Foundation overhead).
func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    if descriptor < 0 { throw DataError.io(path: path, detail: String(cString: strerror(errno))) }
    defer { close(descriptor) }
    var written = 0
    try bytes.withUnsafeBytes { raw in
        while written < raw.count {
            let n = write(descriptor, raw.baseAddress! + written, raw.count - written)
            if n < 0 {
                if errno == EINTR { continue }
                throw DataError.io(path: path, detail: String(cString: strerror(errno)))
            }
            written += n
        }
    }
}

/// The folder an export or a generated dataset is written to.
public enum OutputFolder {
    /// Makes sure `path` is an empty folder (creating it when missing), so that a new tree is never
    /// mixed with an earlier one (every image twice, or two class lists). With `force`, an existing
    /// folder's contents are deleted first — only when they are an image tree (folders, .png, .jpg
    /// and .jpeg files), never the working directory, the home folder, or `/`.
    /// - Returns: how many files `force` deleted.
    /// - Throws: `DataError.outputNotEmpty` saying what is there and what to do.
    @discardableResult
    public static func prepare(_ path: String, force: Bool) throws -> Int {
        try examine(path, force: force, change: true)
    }

    /// The checks of `prepare` without changing anything: call it before long work, so that a
    /// refused folder is reported at once (and nothing is deleted before the work has succeeded).
    public static func check(_ path: String, force: Bool) throws {
        _ = try examine(path, force: force, change: false)
    }

    private static func examine(_ path: String, force: Bool, change: Bool) throws -> Int {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
            guard change else { return 0 }
            do { try manager.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
                throw DataError.io(
                    path: path, detail: "cannot create the output folder (\(error.localizedDescription))")
            }
            return 0
        }
        guard isDirectory.boolValue else {
            throw DataError.outputNotEmpty(path: path, detail: "is a file, not a folder; choose a new or empty folder")
        }
        let entries = listDirectory(path).sorted()
        if entries.isEmpty { return 0 }
        guard force else {
            let shown = entries.prefix(3).joined(separator: ", ") + (entries.count > 3 ? ", …" : "")
            throw DataError.outputNotEmpty(
                path: path,
                detail:
                    "the folder is not empty (\(entries.count) entr\(entries.count == 1 ? "y" : "ies"): \(shown)); writing into it would mix two datasets. Choose a new or empty folder, or pass --force to delete its contents first"
            )
        }
        let target = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        let protected = ["/", NSHomeDirectory(), manager.currentDirectoryPath].map {
            URL(fileURLWithPath: $0).standardizedFileURL.resolvingSymlinksInPath().path
        }
        if let match = protected.first(where: {
            $0 == target || $0.hasPrefix(target.hasSuffix("/") ? target : target + "/")
        }) {
            throw DataError.outputNotEmpty(
                path: path,
                detail:
                    "--force will not delete the contents of \(match == "/" ? "/" : match) or a folder holding it; choose a folder of its own"
            )
        }
        var files: [String] = []
        if let stranger = firstNonImage(in: path, files: &files) {
            throw DataError.outputNotEmpty(
                path: path,
                detail:
                    "--force deletes only image trees, and \(stranger) is not a .png, .jpg or .jpeg file; move it away or choose another folder"
            )
        }
        guard change else { return files.count }
        for entry in entries {
            do { try manager.removeItem(atPath: path + "/" + entry) } catch {
                throw DataError.io(path: path + "/" + entry, detail: "cannot delete (\(error.localizedDescription))")
            }
        }
        return files.count
    }

    /// The first file under `directory` that is not an image (nil when none); collects the images.
    private static func firstNonImage(in directory: String, files: inout [String]) -> String? {
        for name in listDirectory(directory).sorted() {
            let path = directory + "/" + name
            var status = stat()
            guard lstat(path, &status) == 0 else { return path }
            switch status.st_mode & S_IFMT {
            case S_IFDIR:
                if let stranger = firstNonImage(in: path, files: &files) { return stranger }
            case S_IFREG:
                guard let dot = name.lastIndex(of: "."),
                    FolderLayout.imageExtensions.contains(name[name.index(after: dot)...].lowercased())
                else { return path }
                files.append(path)
            default:
                return path  // symbolic links, sockets, …: never followed or deleted
            }
        }
        return nil
    }
}
