import CNNCore
import Dispatch
import Foundation
import ImageIO

/// One image file of an image folder, with what the cache key needs.
struct FolderFile {
    /// Path relative to the dataset root, e.g. "train/cat/001.png".
    var relativePath: String
    var label: Int32
    var size: Int
    /// Modification time in nanoseconds since the epoch.
    var modified: Int
}

/// The files of an image folder: `root/<class>/**`, or `root/train/<class>/**` with a held-out
/// `root/test/<class>/**` or, when there is no `test/`, `root/val/<class>/**` (torchvision's and
/// Kaggle's name; `validation/` and `valid/` are accepted too).
struct FolderLayout {
    var classNames: [String]
    var train: [FolderFile]
    /// Nil when the tree has no held-out subtree (a validation split is drawn from `train`).
    var test: [FolderFile]?
    /// The held-out subtree's folder name ("test", "val", …), nil when there is none.
    var heldOutFolder: String?
    /// Files with other extensions, or unreadable entries, found while walking.
    var ignoredCount: Int
    /// What the walk noticed, each naming its folder: skipped empty class folders, an unused `val/`.
    var notes: [String]

    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg"]
    /// Names of a held-out subtree beside `train/`, in order of preference.
    static let heldOutFolders = ["test", "val", "validation", "valid"]

    /// Walks `root`. Classes are the sorted names of the class directories (of `train/` in a split
    /// layout) that hold at least one image file; empty ones are skipped with a note naming them.
    /// Held-out classes must be among them. Files are sorted by path, so labels and order do not
    /// depend on the file system.
    static func scan(root: String) throws -> FolderLayout {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DataError.notADataset(path: root, reason: "not a directory")
        }
        let top = subdirectories(of: root)
        let split = top.contains("train")
        let classRoot = split ? root + "/train" : root
        let directories = subdirectories(of: classRoot).sorted()
        if directories.isEmpty {
            throw DataError.empty(
                path: classRoot, detail: "no class directories (expected \(classRoot)/<class>/*.png|jpg|jpeg)")
        }
        var ignored = 0
        var notes: [String] = []
        // Training classes: the directories with at least one image file.
        var filesOfClass: [String: [FolderFile]] = [:]
        for name in directories {
            var found: [FolderFile] = []
            walk(
                classRoot + "/" + name, relative: (split ? "train/" : "") + name, label: 0, into: &found,
                ignored: &ignored)
            if found.isEmpty {
                notes.append("\(classRoot)/\(name): skipped an empty class folder (no .png, .jpg or .jpeg files)")
            } else {
                filesOfClass[name] = found
            }
        }
        let classNames = directories.filter { filesOfClass[$0] != nil }
        if classNames.isEmpty {
            throw DataError.empty(
                path: classRoot, detail: "no .png, .jpg or .jpeg files under the class directories \(directories)")
        }
        var train: [FolderFile] = []
        for (label, name) in classNames.enumerated() {
            train += filesOfClass[name]!.map {
                var file = $0; file.label = Int32(label); return file
            }
        }
        train.sort { $0.relativePath < $1.relativePath }

        var test: [FolderFile]? = nil
        let heldOut = split ? heldOutFolders.first(where: top.contains) : nil
        if let heldOut {
            var files: [FolderFile] = []
            for name in subdirectories(of: root + "/" + heldOut).sorted() {
                let path = root + "/" + heldOut + "/" + name
                guard let label = classNames.firstIndex(of: name) else {
                    var found: [FolderFile] = []
                    var unused = 0
                    walk(path, relative: name, label: 0, into: &found, ignored: &unused)
                    if found.isEmpty { continue }  // an empty folder holds no class
                    throw DataError.empty(
                        path: path,
                        detail:
                            "class \"\(name)\" is not among the training classes \(classNames) (the folders of \(classRoot) that hold images)"
                    )
                }
                walk(path, relative: heldOut + "/" + name, label: Int32(label), into: &files, ignored: &ignored)
            }
            test = files.sorted { $0.relativePath < $1.relativePath }
            for unused in heldOutFolders where unused != heldOut && top.contains(unused) {
                notes.append("\(root)/\(unused): not used; \(heldOut)/ is the held-out set")
            }
        }
        return FolderLayout(
            classNames: classNames, train: train, test: test, heldOutFolder: heldOut, ignoredCount: ignored,
            notes: notes)
    }

    private static func subdirectories(of path: String) -> [String] {
        listDirectory(path).filter { name in
            if name.hasPrefix(".") { return false }
            var status = stat()
            return stat(path + "/" + name, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
        }
    }

    private static func walk(
        _ directory: String, relative: String, label: Int32, into files: inout [FolderFile], ignored: inout Int
    ) {
        for name in listDirectory(directory) where !name.hasPrefix(".") {
            let path = directory + "/" + name
            var status = stat()
            if stat(path, &status) != 0 { ignored += 1; continue }
            if (status.st_mode & S_IFMT) == S_IFDIR {
                walk(path, relative: relative + "/" + name, label: label, into: &files, ignored: &ignored)
            } else if let dot = name.lastIndex(of: "."),
                imageExtensions.contains(name[name.index(after: dot)...].lowercased())
            {
                let modified = Int(status.st_mtim.tv_sec) * 1_000_000_000 + Int(status.st_mtim.tv_nsec)
                files.append(
                    FolderFile(
                        relativePath: relative + "/" + name, label: label, size: Int(status.st_size), modified: modified
                    ))
            } else {
                ignored += 1
            }
        }
    }
}

/// The result of decoding a list of files into one store.
struct DecodedPart {
    var store: ImageStore
    /// One per skipped or noteworthy file, each naming it.
    var warnings: [String]
    var skippedCount: Int
    /// Files kept although damaged (a JPEG with libjpeg warnings): what `strict` refuses.
    var damagedCount = 0
}

enum ImageFolderDecoder {
    /// Decodes `files` (paths relative to `root`) in parallel on `threads` threads into a store of
    /// the given geometry. Bad files are skipped with a warning, or throw under `strict`. A JPEG
    /// whose data is damaged but decodes (libjpeg's "Corrupt JPEG data" warnings) is kept with a
    /// warning naming it, and is an error under `strict` like any other bad file.
    static func decode(
        _ files: [FolderFile], root: String, channels: Int, height: Int, width: Int,
        classNames: [String], strict: Bool, threads: Int, maxPixels: Int
    ) throws -> DecodedPart {
        let count = files.count, size = channels * height * width
        var pixels = [UInt8](repeating: 0, count: count * size)
        var failures = [ImageError?](repeating: nil, count: count)
        var notes = [[String]](repeating: [], count: count)
        var damaged = [Bool](repeating: false, count: count)
        pixels.withUnsafeMutableBufferPointer { pixelBuffer in
            failures.withUnsafeMutableBufferPointer { failureBuffer in
                notes.withUnsafeMutableBufferPointer { noteBuffer in
                    damaged.withUnsafeMutableBufferPointer { damagedBuffer in
                        let pixelBase = pixelBuffer.baseAddress!, failureBase = failureBuffer.baseAddress!,
                            noteBase = noteBuffer.baseAddress!
                        let damagedBase = damagedBuffer.baseAddress!
                        forEachChunk(count, threads: threads) { range in
                            for i in range {
                                let path = root + "/" + files[i].relativePath
                                do {
                                    let bytes = try ImageDecoder.readFile(path)
                                    let (image, format, damage) = try bytes.withUnsafeBytes {
                                        try ImageDecoder.decode(
                                            bytes: $0, path: path, maxPixels: maxPixels, minimumSize: (width, height))
                                    }
                                    if let damage {
                                        if strict {
                                            throw ImageError.corrupt(path: path, format: format, detail: damage)
                                        }
                                        noteBase[i].append("\(path): \(damage) (kept; --strict refuses it)")
                                        damagedBase[i] = true
                                    }
                                    if let named = ImageFormat.fromExtension(of: path), named != format {
                                        noteBase[i].append(
                                            "\(path): \(format.rawValue.uppercased()) data with a .\(path.split(separator: ".").last ?? "") extension (decoded as \(format.rawValue.uppercased()))"
                                        )
                                    }
                                    storeCHW(
                                        conform(image, channels: channels, height: height, width: width),
                                        into: pixelBase + i * size)
                                } catch let error as ImageError {
                                    failureBase[i] = error
                                } catch {
                                    failureBase[i] = .unreadable(path: path, detail: "\(error)")
                                }
                            }
                        }
                    }
                }
            }
        }
        if strict, let first = failures.first(where: { $0 != nil }) { throw DataError.badImage(first!) }
        var warnings: [String] = []
        var labels: [Int32] = []
        labels.reserveCapacity(count)
        var kept = 0
        for i in 0..<count {
            warnings += notes[i]
            if let failure = failures[i] {
                warnings.append("skipped \(failure)")
                continue
            }
            if kept != i {
                pixels.withUnsafeMutableBufferPointer { buffer in
                    (buffer.baseAddress! + kept * size).update(from: buffer.baseAddress! + i * size, count: size)
                }
            }
            labels.append(files[i].label)
            kept += 1
        }
        pixels.removeSubrange((kept * size)...)
        let store = ImageStore(
            channels: channels, height: height, width: width, pixels: pixels, labels: labels, classNames: classNames)
        return DecodedPart(
            store: store, warnings: warnings, skippedCount: count - kept,
            damagedCount: damaged.filter { $0 }.count)
    }

    /// The native geometry of a folder: that of the first file (in path order) that decodes,
    /// with alpha dropped (gray+alpha → 1 channel, RGBA → 3).
    static func nativeGeometry(_ files: [FolderFile], root: String, maxPixels: Int) -> (
        channels: Int, height: Int, width: Int
    )? {
        for file in files.prefix(1000) {
            if let image = try? ImageDecoder.decode(contentsOf: root + "/" + file.relativePath, maxPixels: maxPixels) {
                return (image.hasAlpha ? image.channels - 1 : image.channels, image.height, image.width)
            }
        }
        return nil
    }
}

/// Runs `body` over `0..<count` in contiguous chunks on `threads` threads (0 = the engine's
/// `Parallel.threadCount`). Fixed chunking: results never depend on scheduling.
func forEachChunk(_ count: Int, threads: Int, _ body: (Range<Int>) -> Void) {
    let threadCount = threads > 0 ? threads : Parallel.threadCount
    if threadCount == Parallel.threadCount {
        Parallel.forEachChunk(count) { _, range in body(range) }
        return
    }
    let chunks = max(1, min(threadCount, count))
    if count <= 0 { return }
    if chunks == 1 { body(0..<count); return }
    withoutActuallyEscaping(body) { body in
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            body(Parallel.chunkRange(chunk, of: chunks, count: count))
        }
    }
}
