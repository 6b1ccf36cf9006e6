import CNNCore
import Foundation
import ImageIO

/// Where a dataset comes from. `resolve(path:)` tells the layout from what is on disk.
public enum DatasetSource: Equatable, CustomStringConvertible {
    /// MNIST-family IDX files (plain or .gz) in a directory.
    case idx(directory: String)
    /// `root/<class>/**.png|jpg|jpeg`, or `root/train/<class>/…` with an optional `root/test/<class>/…`
    /// (or `root/val/<class>/…`).
    case imageFolder(root: String)
    /// CIFAR-10 binary batches in a directory (or its `cifar-10-batches-bin` child).
    case cifar(directory: String)

    /// Debian's `dataset-fashion-mnist` install location, the default dataset.
    public static let defaultFashionMNISTDirectory = "/usr/share/datasets/fashion-mnist"

    /// The source at `path`; nil means Fashion-MNIST from `defaultFashionMNISTDirectory`.
    /// - Throws: `DataError.defaultDatasetMissing` (with the install command) or
    ///   `DataError.notADataset` naming the path and listing the accepted layouts.
    public static func resolve(path: String?) throws -> DatasetSource {
        guard let path else {
            if IDXReader.files(in: defaultFashionMNISTDirectory) != nil {
                return .idx(directory: defaultFashionMNISTDirectory)
            }
            throw DataError.defaultDatasetMissing(path: defaultFashionMNISTDirectory)
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError.notADataset(path: path, reason: "no such file or directory")
        }
        // A path to one IDX file means its directory.
        let directory = isDirectory.boolValue ? path : (path as NSString).deletingLastPathComponent
        if IDXReader.files(in: directory.isEmpty ? "." : directory) != nil {
            return .idx(directory: directory.isEmpty ? "." : directory)
        }
        guard isDirectory.boolValue else {
            throw DataError.notADataset(path: path, reason: "a file, not a dataset directory")
        }
        if CIFARReader.batchDirectory(path) != nil { return .cifar(directory: path) }
        let children = listDirectory(path).filter { name in
            var status = stat()
            return !name.hasPrefix(".") && stat(path + "/" + name, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
        }
        if !children.isEmpty { return .imageFolder(root: path) }
        throw DataError.notADataset(path: path, reason: "a directory in none of the known layouts")
    }

    public var description: String {
        switch self {
        case .idx(let directory): return "IDX \(directory)"
        case .imageFolder(let root): return "image folder \(root)"
        case .cifar(let directory): return "CIFAR-10 \(directory)"
        }
    }
}
