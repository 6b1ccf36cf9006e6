import CNNCore
import Foundation
import ImageIO

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
