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

/// How to load a dataset.
public struct LoadOptions {
    /// Channels of the store (1 gray, 3 RGB); nil = the dataset's own (for an image folder, that
    /// of its first image, alpha dropped).
    public var channels: Int?
    /// Image height and width; nil = native. A differing image is scaled to cover the size,
    /// keeping its aspect ratio, and centre-cropped (`Image.fitted`).
    public var height: Int?
    public var width: Int?
    /// When an image folder's size is not given and comes from its first image, the longer side is
    /// scaled down to at most this many pixels (aspect ratio kept); nil = no bound. Commands that
    /// only describe or convert a tree set it, so that a folder of phone photos is not decoded
    /// whole at 4032×3024 (`defaultInspectionSide`).
    public var maxNativeSide: Int?
    /// The bound `data info` and `data export` use for `maxNativeSide`.
    public static let defaultInspectionSide = 256
    /// Any bad image file is an error naming it, instead of a skip with a warning.
    public var strict: Bool
    /// Decoding threads; 0 = the engine's `Parallel.threadCount`.
    public var threads: Int
    /// Where to keep decoded image folders (nil = no cache). IDX and CIFAR are not cached: they
    /// already are flat binary files.
    public var cacheDirectory: String?
    /// The most bytes the cache directory may hold; the least recently used entries are removed
    /// to stay under it, and a dataset larger than it is not cached (`DatasetCache.limit`).
    public var cacheLimit: Int = DatasetCache.limit
    /// The fraction of an image folder without `test/` that is held out as the test split.
    /// Ignored for IDX, CIFAR and image folders with `test/`.
    public var validationFraction: Double
    /// Seed of the validation split.
    public var seed: UInt64
    /// Images claiming more pixels than this are refused before decoding (default 50 M).
    public var maxPixels: Int
    /// Refuse a dataset whose decoded size exceeds this many bytes; nil = MemAvailable from
    /// /proc/meminfo. Stores are held whole in memory: there is no streaming.
    public var memoryLimit: Int?
    /// Class names in label order for IDX data (nil: Fashion-MNIST's names when the path
    /// contains "fashion", else "0", "1", …).
    public var classNames: [String]?

    public init(
        channels: Int? = nil, height: Int? = nil, width: Int? = nil, strict: Bool = false, threads: Int = 0,
        cacheDirectory: String? = nil, validationFraction: Double = 0.1, seed: UInt64 = 0,
        maxPixels: Int = ImageDecoder.defaultMaxPixels, memoryLimit: Int? = nil, classNames: [String]? = nil
    ) {
        self.channels = channels
        self.height = height
        self.width = width
        self.strict = strict
        self.threads = threads
        self.cacheDirectory = cacheDirectory
        self.validationFraction = validationFraction
        self.seed = seed
        self.maxPixels = maxPixels
        self.memoryLimit = memoryLimit
        self.classNames = classNames
    }

    /// `$XDG_CACHE_HOME/cnntrain` or `~/.cache/cnntrain`: a good value for `cacheDirectory`.
    public static var defaultCacheDirectory: String {
        if let xdg = ProcessInfo.processInfo.environment["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/cnntrain" }
        return NSHomeDirectory() + "/.cache/cnntrain"
    }

    func validate() throws {
        if let channels, ![1, 3].contains(channels) {
            throw DataError.invalidOption("--channels must be 1 or 3, got \(channels)")
        }
        if let height, height < 1 { throw DataError.invalidOption("--height must be at least 1, got \(height)") }
        if let width, width < 1 { throw DataError.invalidOption("--width must be at least 1, got \(width)") }
        if let maxNativeSide, maxNativeSide < 1 {
            throw DataError.invalidOption("the native size bound must be at least 1, got \(maxNativeSide)")
        }
        if !(0..<1).contains(validationFraction) {
            throw DataError.invalidOption("validation fraction must be in [0, 1), got \(validationFraction)")
        }
        if threads < 0 { throw DataError.invalidOption("threads must be ≥ 0 (0 = all cores), got \(threads)") }
    }
}

/// A loaded dataset: train and test stores with the same geometry and class names.
public struct LoadedDataset {
    public let source: DatasetSource
    public let train: ImageStore
    public let test: ImageStore
    /// One line per skipped or noteworthy file, each naming it.
    public let warnings: [String]
    /// Files that could not be decoded and were left out.
    public let skippedCount: Int
    /// True when the decoded pixels came from the cache.
    public let fromCache: Bool
    /// Which images `test` holds, for the user: "test/ (1000 images)", "the t10k files", "a seeded
    /// 10% validation split of the training images (seed 1)".
    public let heldOut: String

    public init(
        source: DatasetSource, train: ImageStore, test: ImageStore, warnings: [String], skippedCount: Int,
        fromCache: Bool, heldOut: String
    ) {
        self.source = source
        self.train = train
        self.test = test
        self.warnings = warnings
        self.skippedCount = skippedCount
        self.fromCache = fromCache
        self.heldOut = heldOut
    }

    public var classNames: [String] { train.classNames }

    /// One line: "Fashion-MNIST … 60000 train / 10000 test, 1×28×28, 10 classes".
    public var summary: String {
        var text =
            "\(source): \(train.count) train / \(test.count) test images, \(train.channels)×\(train.height)×\(train.width), \(classNames.count) classes"
        if skippedCount > 0 { text += ", \(skippedCount) file\(skippedCount == 1 ? "" : "s") skipped" }
        if fromCache { text += " (from cache)" }
        return text + "; held-out set: " + heldOut
    }
}

/// The loading entry point.
public enum DatasetLoader {
    /// Loads `source` with `options`: reads or decodes (in parallel, cached for image folders),
    /// converts to the requested geometry, draws a validation split when there is no test set.
    /// - Throws: `DataError` naming the file at fault.
    public static func load(_ source: DatasetSource, options: LoadOptions = LoadOptions()) throws -> LoadedDataset {
        try options.validate()
        switch source {
        case .idx(let directory):
            let (train, test) = try IDXReader.load(directory: directory, classNames: options.classNames)
            return LoadedDataset(
                source: source, train: try conformStore(train, options, path: directory),
                test: try conformStore(test, options, path: directory), warnings: [], skippedCount: 0, fromCache: false,
                heldOut: "the t10k (test) files")
        case .cifar(let directory):
            let (train, test) = try CIFARReader.load(directory: directory)
            return LoadedDataset(
                source: source, train: try conformStore(train, options, path: directory),
                test: try conformStore(test, options, path: directory), warnings: [], skippedCount: 0, fromCache: false,
                heldOut: "test_batch.bin")
        case .imageFolder(let root):
            return try loadImageFolder(root: root, options: options)
        }
    }

    static func loadImageFolder(root rootPath: String, options: LoadOptions) throws -> LoadedDataset {
        let root = URL(fileURLWithPath: rootPath).standardizedFileURL.path
        let layout = try FolderLayout.scan(root: root)
        let allFiles = layout.train + (layout.test ?? [])
        // Geometry: the options, else the first decodable image's.
        var geometry = (channels: options.channels ?? 0, height: options.height ?? 0, width: options.width ?? 0)
        if geometry.channels == 0 || geometry.height == 0 || geometry.width == 0 {
            guard let native = ImageFolderDecoder.nativeGeometry(allFiles, root: root, maxPixels: options.maxPixels)
            else {
                if options.strict, let first = allFiles.first {
                    do {
                        _ = try ImageDecoder.decode(
                            contentsOf: root + "/" + first.relativePath, maxPixels: options.maxPixels)
                    } catch let error as ImageError { throw DataError.badImage(error) }
                }
                throw DataError.empty(
                    path: root, detail: "none of the first \(min(allFiles.count, 1000)) images decodes")
            }
            var (height, width) = (native.height, native.width)
            if let bound = options.maxNativeSide, max(height, width) > bound {
                // Scale the longer side to the bound; the shorter one keeps the aspect ratio.
                let scale = Double(bound) / Double(max(height, width))
                (height, width) = (
                    max(1, Int((Double(height) * scale).rounded())), max(1, Int((Double(width) * scale).rounded()))
                )
            }
            if geometry.channels == 0 { geometry.channels = native.channels }
            if geometry.height == 0 { geometry.height = height }
            if geometry.width == 0 { geometry.width = width }
        }
        let needed = allFiles.count * geometry.channels * geometry.height * geometry.width
        let available = options.memoryLimit ?? availableMemory()
        if needed > available { throw DataError.tooLargeForMemory(path: root, bytes: needed, available: available) }

        let geometryKey = "\(geometry.channels)x\(geometry.height)x\(geometry.width)|max\(options.maxPixels)"
        let cachePath =
            options.cacheLimit > 0
            ? options.cacheDirectory.map { $0 + "/" + DatasetCache.fileName(root: root, geometry: geometryKey) } : nil
        let key = DatasetCache.keyHash(root: root, geometry: geometryKey, files: allFiles)
        var contents: DatasetCache.Contents?
        var fromCache = false
        if let cachePath, let cached = DatasetCache.read(path: cachePath, key: key),
            !(options.strict && (cached.skippedCount > 0 || cached.damagedCount > 0))
        {
            contents = cached
            fromCache = true
        }
        var cacheWarning: String?
        if contents == nil {
            var parts: [(name: String, store: ImageStore)] = []
            var warnings: [String] = []
            var skipped = 0, damaged = 0
            for (name, files) in [("train", layout.train), ("test", layout.test)] {
                guard let files else { continue }
                let part = try ImageFolderDecoder.decode(
                    files, root: root, channels: geometry.channels, height: geometry.height,
                    width: geometry.width, classNames: layout.classNames, strict: options.strict,
                    threads: options.threads, maxPixels: options.maxPixels)
                parts.append((name, part.store))
                warnings += part.warnings
                skipped += part.skippedCount
                damaged += part.damagedCount
            }
            if layout.ignoredCount > 0 {
                warnings.append(
                    "\(root): ignored \(layout.ignoredCount) file\(layout.ignoredCount == 1 ? "" : "s") without a .png, .jpg or .jpeg extension"
                )
            }
            contents = DatasetCache.Contents(
                parts: parts, warnings: warnings, skippedCount: skipped, damagedCount: damaged)
            if let cachePath, let directory = options.cacheDirectory {
                let description = DatasetCache.Description(
                    root: root, geometry: geometryKey,
                    imageCount: parts.reduce(0) { $0 + $1.store.count })
                do {
                    try DatasetCache.store(
                        contents!, path: cachePath, key: key, description: description,
                        directory: directory, limit: options.cacheLimit)
                } catch {
                    cacheWarning = "cache not written: \(error)"
                }
            }
        }
        let result = contents!
        guard var train = result.parts.first(where: { $0.name == "train" })?.store, train.count > 0 else {
            throw DataError.empty(
                path: root, detail: "no training image could be decoded (\(result.skippedCount) skipped)")
        }
        var test: ImageStore
        let heldOut: String
        if let explicitTest = result.parts.first(where: { $0.name == "test" })?.store {
            test = explicitTest
            heldOut = "\(layout.heldOutFolder ?? "test")/ (\(test.count) image\(test.count == 1 ? "" : "s"))"
        } else {
            (train, test) = validationSplit(train, fraction: options.validationFraction, seed: options.seed)
            heldOut =
                "a seeded \(String(format: "%g", options.validationFraction * 100))% validation split of the training images (\(test.count) image\(test.count == 1 ? "" : "s"); --validation-fraction \(String(format: "%g", options.validationFraction)), seed \(options.seed)), as the tree has no test/ or val/ folder"
        }
        var warnings = layout.notes + result.warnings + (cacheWarning.map { [$0] } ?? [])
        if layout.classNames.count < 2 {
            warnings.append("\(root): only one class (\"\(layout.classNames[0])\"): training needs at least two")
        }
        return LoadedDataset(
            source: .imageFolder(root: rootPath), train: train, test: test, warnings: warnings,
            skippedCount: result.skippedCount, fromCache: fromCache, heldOut: heldOut)
    }

    /// Splits `store` into (train, validation): a seeded shuffle picks round(fraction·count)
    /// images for validation; both parts keep the original order.
    public static func validationSplit(_ store: ImageStore, fraction: Double, seed: UInt64) -> (
        train: ImageStore, validation: ImageStore
    ) {
        var generator = SeededGenerator(seed: seed)
        var order = Array(0..<store.count)
        order.shuffle(using: &generator)
        let validationCount = min(store.count - 1, max(0, Int((Double(store.count) * fraction).rounded())))
        let validation = Array(order.prefix(validationCount)).sorted()
        let train = Array(order.dropFirst(validationCount)).sorted()
        return (store.subset(train), store.subset(validation))
    }

    /// `store` converted to the requested channels/size (IDX and CIFAR), in parallel.
    static func conformStore(_ store: ImageStore, _ options: LoadOptions, path: String) throws -> ImageStore {
        let channels = options.channels ?? store.channels, height = options.height ?? store.height,
            width = options.width ?? store.width
        if channels == store.channels && height == store.height && width == store.width { return store }
        let needed = store.count * channels * height * width
        let available = options.memoryLimit ?? availableMemory()
        if needed > available { throw DataError.tooLargeForMemory(path: path, bytes: needed, available: available) }
        let size = channels * height * width
        var pixels = [UInt8](repeating: 0, count: store.count * size)
        pixels.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            forEachChunk(store.count, threads: options.threads) { range in
                for i in range {
                    let image = conform(store.image(at: i), channels: channels, height: height, width: width)
                    storeCHW(image, into: base + i * size)
                }
            }
        }
        return ImageStore(
            channels: channels, height: height, width: width, pixels: pixels, labels: store.labels,
            classNames: store.classNames)
    }

    /// MemAvailable from /proc/meminfo (physical memory when it cannot be read).
    static func availableMemory() -> Int {
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        {
            return kilobytes * 1024
        }
        return Int(sysconf(Int32(_SC_PHYS_PAGES))) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
