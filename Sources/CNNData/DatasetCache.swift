import Foundation
import ImageIO

/// The on-disk cache of a decoded image folder, so that a second run does not decode again.
///
/// One file per (root, geometry, cap): `<cacheDirectory>/imagefolder-<16 hex>.cnncache`. Layout
/// (little-endian):
///
///     "CNNCACHE" | version u32 | key hash u64, u64 | root | geometry | image count u64 | part count u32 |
///     per part: name | channels, height, width u32 | image count u64 | class count u32 | names |
///               labels Int32 × count | pixels (count, C, H, W) bytes
///     warning count u32 | warnings | skipped count u64 | damaged count u64
///     (strings are u32 length + UTF-8)
///
/// The key hashes the format version, the absolute root, the target geometry, the pixel cap and
/// every file's relative path, size and modification time: adding, removing, replacing or touching
/// a file changes it, and the stale cache is rewritten. Writes are atomic (temporary file, rename).
///
/// The directory is capped at `limit` bytes: after a write, the least recently used entries (by
/// modification time, which a cache hit renews) are removed until the total fits, and a dataset
/// larger than the whole limit is not cached. `cnntrain data cache list|clear` shows and empties it.
public enum DatasetCache {
    static let magic = Array("CNNCACHE".utf8)
    static let version: UInt32 = 2
    static let fileExtension = ".cnncache"

    /// 2 GiB, or `$CNNTRAIN_CACHE_LIMIT` (bytes, or with a K, M or G suffix; 0 disables the cache).
    public static var limit: Int {
        ProcessInfo.processInfo.environment["CNNTRAIN_CACHE_LIMIT"].flatMap(parseByteCount) ?? 2 << 30
    }

    /// "1500", "500M", "2G", "64k" → bytes; nil when not a count.
    public static func parseByteCount(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        var digits = trimmed
        var unit = 1
        if let last = trimmed.last, let factor = units[last] { digits = String(trimmed.dropLast()); unit = factor }
        if digits.hasSuffix("I") || digits.hasSuffix("B") { return nil }
        guard let value = Double(digits), value >= 0, value.isFinite else { return nil }
        return Int(value * Double(unit))
    }

    /// What a cache entry holds, written in its header so that `entries(in:)` can list it.
    public struct Description: Equatable {
        /// The dataset's absolute root.
        public var root: String
        /// "CxHxW|maxN": the decoded geometry and pixel cap.
        public var geometry: String
        public var imageCount: Int
    }

    /// One file of the cache directory.
    public struct Entry {
        public var path: String
        public var bytes: Int
        public var lastUsed: Date
        /// Nil for a file of an older format (or a damaged one): it is never read, only cleared.
        public var description: Description?
    }

    struct Contents {
        var parts: [(name: String, store: ImageStore)]
        var warnings: [String]
        var skippedCount: Int
        /// Damaged files that were kept (and that `strict` refuses).
        var damagedCount = 0
    }

    static func fileName(root: String, geometry: String) -> String {
        "imagefolder-" + String(format: "%016llx", fnv1a(Array((root + "|" + geometry).utf8))) + fileExtension
    }

    /// Two independent 64-bit hashes of the key (FNV-1a and a multiply-rotate hash).
    static func keyHash(root: String, geometry: String, files: [FolderFile]) -> (UInt64, UInt64) {
        var key = "v\(version)|\(root)|\(geometry)\n"
        key.reserveCapacity(files.count * 48)
        for file in files { key += "\(file.relativePath)|\(file.size)|\(file.modified)\n" }
        let bytes = Array(key.utf8)
        var second: UInt64 = 0x243F_6A88_85A3_08D3
        for byte in bytes { second = ((second ^ UInt64(byte)) &* 0x9E37_79B9_7F4A_7C15).rotatedLeft(by: 29) }
        return (fnv1a(bytes), second)
    }

    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }

    /// The cached contents when the file exists and its key matches; nil otherwise (a corrupt or
    /// stale cache is treated as absent).
    static func read(path: String, key: (UInt64, UInt64)) -> Contents? {
        guard let bytes = try? ImageDecoder.readFile(path) else { return nil }
        var reader = ByteReader(bytes: bytes)
        guard reader.take(8) == magic, reader.u32() == version, reader.u64() == key.0, reader.u64() == key.1,
            reader.string() != nil, reader.string() != nil, reader.u64() != nil, let partCount = reader.u32()
        else { return nil }
        var parts: [(String, ImageStore)] = []
        for _ in 0..<partCount {
            guard let name = reader.string(), let channels = reader.u32(), let height = reader.u32(),
                let width = reader.u32(),
                let count = reader.u64(), let classCount = reader.u32()
            else { return nil }
            var names: [String] = []
            for _ in 0..<classCount { guard let n = reader.string() else { return nil }; names.append(n) }
            guard let labelBytes = reader.take(Int(count) * 4) else { return nil }
            let labels = labelBytes.withUnsafeBytes { raw in
                (0..<Int(count)).map { Int32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self)) }
            }
            let size = Int(channels) * Int(height) * Int(width)
            guard channels > 0, height > 0, width > 0, let pixels = reader.take(Int(count) * size) else { return nil }
            parts.append(
                (
                    name,
                    ImageStore(
                        channels: Int(channels), height: Int(height), width: Int(width), pixels: pixels,
                        labels: labels, classNames: names)
                ))
        }
        guard let warningCount = reader.u32() else { return nil }
        var warnings: [String] = []
        for _ in 0..<warningCount { guard let w = reader.string() else { return nil }; warnings.append(w) }
        guard let skipped = reader.u64(), let damaged = reader.u64(), reader.offset == bytes.count else { return nil }
        // A hit renews the entry's time: eviction removes the least recently used first.
        utimes(path, nil)
        return Contents(parts: parts, warnings: warnings, skippedCount: Int(skipped), damagedCount: Int(damaged))
    }

    /// Writes `contents` unless they alone exceed `limit`, then removes the least recently used
    /// other entries of `directory` until the total fits. Throws (for a warning) when the entry is
    /// too large or cannot be written.
    static func store(
        _ contents: Contents, path: String, key: (UInt64, UInt64), description: Description,
        directory: String, limit: Int
    ) throws {
        let bytes = contents.parts.reduce(0) { $0 + $1.store.pixels.count + $1.store.count * 4 }
        if bytes > limit {
            throw DataError.io(
                path: path,
                detail:
                    "the decoded dataset (\(formatBytes(bytes))) is larger than the cache limit of \(formatBytes(limit)) ($CNNTRAIN_CACHE_LIMIT)"
            )
        }
        try write(path: path, key: key, description: description, contents: contents)
        var total = 0
        for entry in entries(in: directory).sorted(by: { $0.lastUsed > $1.lastUsed }) {
            total += entry.bytes
            if total > limit && entry.path != path {
                try? FileManager.default.removeItem(atPath: entry.path); total -= entry.bytes
            }
        }
    }

    /// The cache files of `directory`, with what their headers say (most recently used first).
    public static func entries(in directory: String) -> [Entry] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(fileExtension) }.compactMap { name -> Entry? in
            let path = directory + "/" + name
            var status = stat()
            guard stat(path, &status) == 0 else { return nil }
            let lastUsed = Date(
                timeIntervalSince1970: Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) / 1e9)
            return Entry(path: path, bytes: Int(status.st_size), lastUsed: lastUsed, description: readDescription(path))
        }.sorted { $0.lastUsed > $1.lastUsed }
    }

    /// Removes every cache file of `directory` (and leftovers of interrupted writes); returns the
    /// removed entries. Other files are left alone.
    @discardableResult
    public static func clear(directory: String) throws -> [Entry] {
        let removed = entries(in: directory)
        for entry in removed {
            do { try FileManager.default.removeItem(atPath: entry.path) } catch {
                throw DataError.io(
                    path: entry.path, detail: "cannot remove the cache file: \(error.localizedDescription)")
            }
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where name.contains(fileExtension + ".tmp-") {
            try? FileManager.default.removeItem(atPath: directory + "/" + name)
        }
        return removed
    }

    /// The header's description, reading only the first bytes of the file.
    static func readDescription(_ path: String) -> Description? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 64 << 10)) ?? Data())
        var reader = ByteReader(bytes: head)
        guard reader.take(8) == magic, reader.u32() == version, reader.u64() != nil, reader.u64() != nil,
            let root = reader.string(), let geometry = reader.string(), let count = reader.u64()
        else { return nil }
        return Description(root: root, geometry: geometry, imageCount: Int(count))
    }

    /// Writes atomically; a failure to write is reported to the caller as a warning, not an error.
    static func write(path: String, key: (UInt64, UInt64), description: Description, contents: Contents) throws {
        var out = magic
        func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { out += $0 } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        func string(_ s: String) { let b = Array(s.utf8); u32(b.count); out += b }
        u32(Int(version)); u64(key.0); u64(key.1)
        string(description.root); string(description.geometry); u64(UInt64(description.imageCount))
        u32(contents.parts.count)
        for (name, store) in contents.parts {
            string(name); u32(store.channels); u32(store.height); u32(store.width); u64(UInt64(store.count))
            u32(store.classNames.count)
            store.classNames.forEach(string)
            store.labels.withUnsafeBytes { out += $0 }
            out += store.pixels
        }
        u32(contents.warnings.count)
        contents.warnings.forEach(string)
        u64(UInt64(contents.skippedCount))
        u64(UInt64(contents.damagedCount))
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(out)) else {
            throw DataError.io(path: temporary, detail: "cannot write the cache file")
        }
        if rename(temporary, path) != 0 {
            unlink(temporary)
            throw DataError.io(
                path: path, detail: "cannot move the cache file into place: \(String(cString: strerror(errno)))")
        }
    }
}

struct ByteReader {
    let bytes: [UInt8]
    var offset = 0
    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func take(_ count: Int) -> [UInt8]? {
        guard count >= 0, offset + count <= bytes.count else { return nil }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }
    mutating func u32() -> UInt32? {
        guard offset + 4 <= bytes.count else { return nil }
        defer { offset += 4 }
        return bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
    }
    mutating func u64() -> UInt64? {
        guard offset + 8 <= bytes.count else { return nil }
        defer { offset += 8 }
        return bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
    }
    mutating func string() -> String? {
        guard let length = u32(), let raw = take(Int(length)) else { return nil }
        return String(decoding: raw, as: UTF8.self)
    }
}

extension UInt64 {
    func rotatedLeft(by k: UInt64) -> UInt64 { (self << k) | (self >> (64 - k)) }
}
