import ImageIO

/// Why a dataset could not be loaded. Messages name the file or directory and say what to do.
public enum DataError: Error, CustomStringConvertible {
    /// The default dataset (Fashion-MNIST) is not installed.
    case defaultDatasetMissing(path: String)
    /// A path that does not exist or is not a dataset in a known layout.
    case notADataset(path: String, reason: String)
    /// A malformed IDX file.
    case invalidIDX(path: String, detail: String)
    /// A malformed CIFAR-10 binary batch.
    case invalidCIFAR(path: String, detail: String)
    /// An image folder with nothing usable in it.
    case empty(path: String, detail: String)
    /// A bad image under `strict`.
    case badImage(ImageError)
    /// The decoded dataset would not fit in memory.
    case tooLargeForMemory(path: String, bytes: Int, available: Int)
    /// An option value outside what is allowed.
    case invalidOption(String)
    /// A file that could not be read or written.
    case io(path: String, detail: String)
    /// A dataset (or the part of it a limit kept) with fewer than two classes: nothing to classify.
    case tooFewClasses(path: String, classNames: [String], detail: String)
    /// A dataset whose classes are not among a checkpoint's.
    case classesDiffer(path: String, dataset: [String], checkpoint: [String], unmatched: [String])
    /// An output folder that is not empty (`data export`, `data shapes`).
    case outputNotEmpty(path: String, detail: String)

    /// The dataset layouts `DatasetSource.resolve` accepts.
    public static let acceptedLayouts = """
        accepted layouts:
          IDX (MNIST family): a directory with train-images-idx3-ubyte, train-labels-idx1-ubyte, \
        t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (each plain or .gz)
          image folder: root/<class>/**.png|jpg|jpeg, or root/train/<class>/… and root/test/<class>/… (or root/val/<class>/…)
          CIFAR-10 binary: a directory with data_batch_1.bin … data_batch_5.bin and test_batch.bin \
        (optionally batches.meta.txt)
        """

    public var description: String {
        switch self {
        case .defaultDatasetMissing(let path):
            return
                "Fashion-MNIST not found at \(path): run scripts/setup.sh (Debian package dataset-fashion-mnist), or pass a dataset path"
        case .notADataset(let path, let reason): return "\(path): \(reason)\n\(DataError.acceptedLayouts)"
        case .invalidIDX(let path, let detail): return "\(path): invalid IDX file: \(detail)"
        case .invalidCIFAR(let path, let detail): return "\(path): invalid CIFAR-10 batch: \(detail)"
        case .empty(let path, let detail): return "\(path): \(detail)"
        case .badImage(let error):
            return "\(error) (strict mode: fix or remove the file, or run without --strict to skip it)"
        case .tooLargeForMemory(let path, let bytes, let available):
            return
                "\(path): the decoded dataset needs \(formatBytes(bytes)) but only \(formatBytes(available)) of memory is available; "
                + "datasets are held in memory as 8-bit pixels: choose a smaller --height/--width/--channels or a subset"
        case .invalidOption(let message): return message
        case .io(let path, let detail): return "\(path): \(detail)"
        case .tooFewClasses(let path, let classNames, let detail):
            let names = classNames.isEmpty ? "none" : classNames.map { "\"\($0)\"" }.joined(separator: ", ")
            return "\(path): \(detail) (classes with images: \(names))"
        case .classesDiffer(let path, let dataset, let checkpoint, let unmatched):
            func list(_ names: [String]) -> String { names.map { "\"\($0)\"" }.joined(separator: ", ") }
            return
                "\(path): the dataset's classes are not the checkpoint's, so its labels cannot be compared with the model's outputs\n"
                + "  dataset classes (label order):    \(list(dataset))\n"
                + "  checkpoint classes (label order): \(list(checkpoint))\n"
                + "  not among the checkpoint's: \(list(unmatched))\n"
                + "evaluate on data of the checkpoint's classes (class folders may use the class names, with \"/\" written \"_\")"
        case .outputNotEmpty(let path, let detail): return "\(path): \(detail)"
        }
    }
}

/// "512 bytes", "1.5 KB", "2.9 GB" (powers of 1024).
public func formatBytes(_ bytes: Int) -> String {
    let units = ["bytes", "KB", "MB", "GB", "TB"]
    var value = Double(bytes), unit = 0
    while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
    return unit == 0 ? "\(bytes) bytes" : "\((value * 10).rounded() / 10) \(units[unit])"
}
