import CNNCore
import Foundation
import ImageIO

/// The file format of exported or generated image folders.
public enum ImageFileFormat: String, CaseIterable, Sendable {
    case png, jpeg
    public var fileExtension: String { self == .png ? "png" : "jpg" }
}

/// A class name as a directory name: "/" and NUL become "_" (so "T-shirt/top" → "T-shirt_top").
public func directoryName(forClass name: String) -> String {
    let cleaned = String(name.map { $0 == "/" || $0 == "\0" ? "_" : $0 })
    return cleaned.isEmpty || cleaned == "." || cleaned == ".." ? "_" + cleaned : cleaned
}

/// Writes `store` as an image folder: `root/<class>/<index>.png|jpg`, index zero-padded to 5 digits
/// (position in the store), class directories named by `directoryName(forClass:)`. Encodes in
/// parallel (`threads`, 0 = `Parallel.threadCount`).
/// - Parameter quality: JPEG quality 1–100 (ignored for PNG).
public func exportImageFolder(store: ImageStore, root: String, format: ImageFileFormat, quality: Int = 90,
                              threads: Int = 0) throws {
    let manager = FileManager.default
    for name in store.classNames {
        try manager.createDirectory(atPath: root + "/" + directoryName(forClass: name), withIntermediateDirectories: true)
    }
    var failures = [String?](repeating: nil, count: store.count)
    failures.withUnsafeMutableBufferPointer { failureBuffer in
        let failureBase = failureBuffer.baseAddress!
        forEachChunk(store.count, threads: threads) { range in
            for i in range {
                let label = Int(store.labels[i])
                let path = root + "/" + directoryName(forClass: store.classNames[label]) + "/"
                    + String(repeating: "0", count: max(0, 5 - String(i).count)) + String(i) + "." + format.fileExtension
                do {
                    let image = store.image(at: i)
                    let bytes = format == .png ? try ImageEncoder.png(image) : try ImageEncoder.jpeg(image, quality: quality)
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
public func exportDataset(_ dataset: LoadedDataset, root: String, format: ImageFileFormat, quality: Int = 90,
                          threads: Int = 0) throws {
    try exportImageFolder(store: dataset.train, root: root + "/train", format: format, quality: quality, threads: threads)
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
