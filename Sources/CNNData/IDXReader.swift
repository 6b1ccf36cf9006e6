import CZlib
import Foundation

/// Reads files whole, inflating gzip (`.gz`) content through zlib and passing plain files through.
enum FileReader {
    /// - Parameter maxBytes: refuse content larger than this (default 4 GB).
    static func read(_ path: String, maxBytes: Int = 4 << 30) throws -> [UInt8] {
        var data: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let code = cnn_gzip_read_file(path, Int64(maxBytes), &data, &size, &message, message.count)
        defer { cnn_gzip_free(data) }
        if code != 0 { throw DataError.io(path: path, detail: String(cString: message)) }
        return [UInt8](UnsafeBufferPointer(start: data, count: size))
    }
}

/// The IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/):
/// a big-endian header — two zero bytes, a type byte (0x08 = unsigned byte), a dimension count —
/// then one big-endian UInt32 per dimension, then the data. Images are (N, rows, columns),
/// labels (N).
public enum IDXReader {
    /// Fashion-MNIST's class names, in label order.
    public static let fashionClassNames = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"
    ]

    /// Reads an IDX3 image file (plain or .gz): (count, rows, columns, pixels in N·rows·columns order).
    public static func readImages(_ path: String) throws -> (count: Int, rows: Int, columns: Int, pixels: [UInt8]) {
        try parseImages(FileReader.read(path), path: path)
    }

    /// Parses the bytes of an IDX3 image file; `path` names it in error messages.
    public static func parseImages(_ bytes: [UInt8], path: String) throws -> (
        count: Int, rows: Int, columns: Int, pixels: [UInt8]
    ) {
        let dimensions = try header(bytes, path: path, expectedRank: 3)
        let (count, rows, columns) = (dimensions[0], dimensions[1], dimensions[2])
        if rows == 0 || columns == 0 { throw DataError.invalidIDX(path: path, detail: "image size \(rows)×\(columns)") }
        // Each dimension is below 2^32: their product may overflow 64 bits.
        let (imageSize, sizeOverflow) = rows.multipliedReportingOverflow(by: columns)
        let (total, countOverflow) = count.multipliedReportingOverflow(by: imageSize)
        let (pixelCount, overflow) = (total, sizeOverflow || countOverflow)
        if overflow || pixelCount > bytes.count {
            throw DataError.invalidIDX(
                path: path,
                detail:
                    "header says \(count) images of \(rows)×\(columns) = \(overflow ? "more than \(Int.max)" : String(16 + pixelCount)) bytes, file has \(bytes.count)"
            )
        }
        let expected = 16 + pixelCount
        if bytes.count != expected {
            throw DataError.invalidIDX(
                path: path,
                detail: "header says \(count) images of \(rows)×\(columns) = \(expected) bytes, file has \(bytes.count)"
            )
        }
        return (count, rows, columns, Array(bytes[16...]))
    }

    /// Reads an IDX1 label file (plain or .gz).
    public static func readLabels(_ path: String) throws -> [Int32] {
        try parseLabels(FileReader.read(path), path: path)
    }

    /// Parses the bytes of an IDX1 label file; `path` names it in error messages.
    public static func parseLabels(_ bytes: [UInt8], path: String) throws -> [Int32] {
        let count = try header(bytes, path: path, expectedRank: 1)[0]
        if bytes.count != 8 + count {
            throw DataError.invalidIDX(
                path: path, detail: "header says \(count) labels = \(8 + count) bytes, file has \(bytes.count)")
        }
        return bytes[8...].map { Int32($0) }
    }

    private static func header(_ bytes: [UInt8], path: String, expectedRank: Int) throws -> [Int] {
        if bytes.count < 4 + 4 * expectedRank {
            throw DataError.invalidIDX(path: path, detail: "only \(bytes.count) bytes, shorter than the header")
        }
        let magic = bytes[0..<4].reduce(0) { $0 << 8 | Int($1) }
        let expectedMagic = 0x0800 | expectedRank
        if magic != expectedMagic {
            throw DataError.invalidIDX(
                path: path,
                detail:
                    "magic number 0x\(String(magic, radix: 16)), expected 0x\(String(expectedMagic, radix: 16)) (unsigned bytes, \(expectedRank) dimension\(expectedRank == 1 ? "" : "s"))"
            )
        }
        return (0..<expectedRank).map { d in bytes[(4 + 4 * d)..<(8 + 4 * d)].reduce(0) { $0 << 8 | Int($1) } }
    }

    /// The four files of an IDX directory: (train images, train labels, test images, test labels),
    /// found by name (`train-images-idx3-ubyte`, `train-images.idx3-ubyte`, with or without `.gz`;
    /// `t10k-` or `test-` for the test split). Nil when the directory does not hold them.
    public static func files(in directory: String) -> (
        trainImages: String, trainLabels: String, testImages: String, testLabels: String
    )? {
        let names = listDirectory(directory)
        func find(_ prefixes: [String], _ kind: String, _ idx: String) -> String? {
            for prefix in prefixes {
                let candidates = names.filter { name in
                    let lower = name.lowercased()
                    return lower.hasPrefix(prefix + "-" + kind) && lower.contains(idx)
                }.sorted()
                // Prefer the plain file over the .gz when both exist (no inflate).
                if let plain = candidates.first(where: { !$0.hasSuffix(".gz") }) ?? candidates.first {
                    return directory + "/" + plain
                }
            }
            return nil
        }
        guard let trainImages = find(["train"], "images", "idx3"), let trainLabels = find(["train"], "labels", "idx1"),
            let testImages = find(["t10k", "test"], "images", "idx3"),
            let testLabels = find(["t10k", "test"], "labels", "idx1")
        else { return nil }
        return (trainImages, trainLabels, testImages, testLabels)
    }

    /// Loads train and test stores from an IDX directory.
    /// - Parameter classNames: names in label order; nil → Fashion-MNIST's names when the path
    ///   contains "fashion" (any case) and labels fit, else the label numbers "0", "1", ….
    public static func load(directory: String, classNames: [String]? = nil) throws -> (
        train: ImageStore, test: ImageStore
    ) {
        guard let files = files(in: directory) else {
            throw DataError.notADataset(path: directory, reason: "no IDX files (train-images-idx3-ubyte[.gz] …) found")
        }
        let trainImages = try readImages(files.trainImages), trainLabels = try readLabels(files.trainLabels)
        let testImages = try readImages(files.testImages), testLabels = try readLabels(files.testLabels)
        if trainImages.count != trainLabels.count {
            throw DataError.invalidIDX(
                path: files.trainLabels,
                detail: "\(trainLabels.count) labels for \(trainImages.count) images in \(files.trainImages)")
        }
        if testImages.count != testLabels.count {
            throw DataError.invalidIDX(
                path: files.testLabels,
                detail: "\(testLabels.count) labels for \(testImages.count) images in \(files.testImages)")
        }
        if (testImages.rows, testImages.columns) != (trainImages.rows, trainImages.columns) {
            throw DataError.invalidIDX(
                path: files.testImages,
                detail:
                    "images are \(testImages.rows)×\(testImages.columns), training images \(trainImages.rows)×\(trainImages.columns)"
            )
        }
        let classCount = Int((trainLabels + testLabels).max() ?? 0) + 1
        var names: [String]
        if let classNames {
            if classNames.count < classCount {
                throw DataError.invalidOption(
                    "\(classNames.count) class names given, but \(directory) has labels up to \(classCount - 1)")
            }
            names = classNames
        } else if directory.lowercased().contains("fashion") && classCount <= 10 {
            names = fashionClassNames
        } else {
            names = (0..<classCount).map(String.init)
        }
        let train = ImageStore(
            channels: 1, height: trainImages.rows, width: trainImages.columns, pixels: trainImages.pixels,
            labels: trainLabels, classNames: names)
        let test = ImageStore(
            channels: 1, height: testImages.rows, width: testImages.columns, pixels: testImages.pixels,
            labels: testLabels, classNames: names)
        return (train, test)
    }
}

/// The CIFAR-10 binary version (https://www.cs.toronto.edu/~kriz/cifar.html): each batch file is a
/// run of 3073-byte records — one label byte, then 1024 red, 1024 green and 1024 blue bytes of a
/// 32×32 image, row-major (already CHW).
public enum CIFARReader {
    public static let recordSize = 3073
    public static let defaultClassNames = [
        "airplane", "automobile", "bird", "cat", "deer",
        "dog", "frog", "horse", "ship", "truck"
    ]

    /// The directory holding the batches: `directory` itself or its `cifar-10-batches-bin` child.
    public static func batchDirectory(_ directory: String) -> String? {
        for candidate in [directory, directory + "/cifar-10-batches-bin"] {
            let names = listDirectory(candidate)
            if names.contains("test_batch.bin")
                || names.contains(where: { $0.hasPrefix("data_batch_") && $0.hasSuffix(".bin") })
            {
                return candidate
            }
        }
        return nil
    }

    /// Reads one batch file: (labels, CHW pixels).
    public static func readBatch(_ path: String) throws -> (labels: [Int32], pixels: [UInt8]) {
        try parseBatch(FileReader.read(path), path: path)
    }

    /// Parses the bytes of one batch file; `path` names it in error messages.
    public static func parseBatch(_ bytes: [UInt8], path: String) throws -> (labels: [Int32], pixels: [UInt8]) {
        if bytes.isEmpty || bytes.count % recordSize != 0 {
            throw DataError.invalidCIFAR(
                path: path, detail: "\(bytes.count) bytes is not a whole number of \(recordSize)-byte records")
        }
        let count = bytes.count / recordSize
        var labels = [Int32](repeating: 0, count: count)
        var pixels = [UInt8](repeating: 0, count: count * (recordSize - 1))
        for i in 0..<count {
            let label = bytes[i * recordSize]
            if label > 9 {
                throw DataError.invalidCIFAR(path: path, detail: "record \(i) has label \(label), expected 0–9")
            }
            labels[i] = Int32(label)
            pixels.replaceSubrange(
                i * (recordSize - 1)..<(i + 1) * (recordSize - 1),
                with: bytes[(i * recordSize + 1)..<((i + 1) * recordSize)])
        }
        return (labels, pixels)
    }

    /// Loads `data_batch_*.bin` (in name order) as train and `test_batch.bin` as test; class names
    /// from `batches.meta.txt` when present.
    public static func load(directory: String) throws -> (train: ImageStore, test: ImageStore) {
        guard let folder = batchDirectory(directory) else {
            throw DataError.notADataset(
                path: directory, reason: "no CIFAR-10 batches (data_batch_*.bin, test_batch.bin) found")
        }
        let names = listDirectory(folder)
        let trainFiles = names.filter { $0.hasPrefix("data_batch_") && $0.hasSuffix(".bin") }.sorted()
        if trainFiles.isEmpty { throw DataError.notADataset(path: folder, reason: "no data_batch_*.bin files") }
        if !names.contains("test_batch.bin") { throw DataError.notADataset(path: folder, reason: "no test_batch.bin") }
        var trainLabels: [Int32] = [], trainPixels: [UInt8] = []
        for file in trainFiles {
            let batch = try readBatch(folder + "/" + file)
            trainLabels += batch.labels
            trainPixels += batch.pixels
        }
        let test = try readBatch(folder + "/test_batch.bin")
        var classNames = defaultClassNames
        if names.contains("batches.meta.txt"), let text = try? FileReader.read(folder + "/batches.meta.txt") {
            let lines = String(decoding: text, as: UTF8.self).split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if lines.count >= 10 { classNames = Array(lines.prefix(10)) }
        }
        return (
            ImageStore(
                channels: 3, height: 32, width: 32, pixels: trainPixels, labels: trainLabels, classNames: classNames),
            ImageStore(
                channels: 3, height: 32, width: 32, pixels: test.pixels, labels: test.labels, classNames: classNames)
        )
    }
}

/// Names in a directory (not recursive, without "." and ".."), or [] when it cannot be read.
func listDirectory(_ path: String) -> [String] {
    guard let directory = opendir(path) else { return [] }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = withUnsafePointer(to: entry.pointee.d_name) {
            String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}
