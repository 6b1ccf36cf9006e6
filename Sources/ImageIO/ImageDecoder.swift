import CJPEG
import CPNG
import Foundation

/// PNG and JPEG decoding through libpng and libjpeg (C shims keep their longjmp-based error
/// handling away from Swift frames). The format is sniffed from the first bytes, so a JPEG named
/// `.png` decodes as a JPEG.
public enum ImageDecoder {
    /// The default cap on claimed width·height: 50 megapixels.
    public static let defaultMaxPixels = 50_000_000

    /// Decodes PNG or JPEG bytes into an 8-bit HWC image (PNG: 1–4 channels; JPEG: 1 or 3).
    /// - Parameters:
    ///   - data: the file's bytes.
    ///   - path: named in error messages.
    ///   - maxPixels: images claiming more than this many pixels are refused before allocation.
    ///   - minimumSize: when given, a JPEG may be decoded at a DCT scale of 1/2, 1/4 or 1/8 — the
    ///     smallest whose output is still at least this size (a later resize then finishes the job).
    /// - Throws: `ImageError`, whose message names `path` and what is wrong. Damage that the
    ///   decoder repairs is not an error here; `decodeReportingDamage` and `decode(bytes:…)` report it.
    public static func decode(
        data: [UInt8], path: String = "<memory>", maxPixels: Int = defaultMaxPixels,
        minimumSize: (width: Int, height: Int)? = nil
    ) throws -> Image {
        try data.withUnsafeBytes {
            try decode(bytes: $0, path: path, maxPixels: maxPixels, minimumSize: minimumSize).image
        }
    }

    public static func decode(
        data: Data, path: String = "<memory>", maxPixels: Int = defaultMaxPixels,
        minimumSize: (width: Int, height: Int)? = nil
    ) throws -> Image {
        try data.withUnsafeBytes {
            try decode(bytes: $0, path: path, maxPixels: maxPixels, minimumSize: minimumSize).image
        }
    }

    /// Reads and decodes a file.
    public static func decode(
        contentsOf path: String, maxPixels: Int = defaultMaxPixels,
        minimumSize: (width: Int, height: Int)? = nil
    ) throws -> Image {
        let bytes = try readFile(path)
        return try decode(data: bytes, path: path, maxPixels: maxPixels, minimumSize: minimumSize)
    }

    /// Reads and decodes a file, also returning the decoder's warning (see `decode(bytes:…)`).
    public static func decodeReportingDamage(
        contentsOf path: String, maxPixels: Int = defaultMaxPixels,
        minimumSize: (width: Int, height: Int)? = nil
    ) throws -> (image: Image, damage: String?) {
        let bytes = try readFile(path)
        let result = try bytes.withUnsafeBytes {
            try decode(bytes: $0, path: path, maxPixels: maxPixels, minimumSize: minimumSize)
        }
        return (result.image, result.damage)
    }

    /// Decodes raw bytes and also tells which format they held, and whether the decoder had to
    /// repair damage: `damage` is nil for a clean file, else what was wrong, for a message after the
    /// file's path (libjpeg's "Corrupt JPEG data" warnings: the file decodes, with the damaged
    /// blocks filled in).
    public static func decode(
        bytes: UnsafeRawBufferPointer, path: String, maxPixels: Int = defaultMaxPixels,
        minimumSize: (width: Int, height: Int)? = nil
    ) throws -> (image: Image, format: ImageFormat, damage: String?) {
        if bytes.isEmpty { throw ImageError.emptyFile(path: path) }
        guard let format = ImageFormat.sniff(bytes) else {
            // A few bytes that start like a signature are a truncated file, not "not an image".
            let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            if bytes.count < 8 && zip(bytes, png).allSatisfy({ $0 == $1 }) {
                throw ImageError.truncated(path: path, detail: "\(bytes.count) bytes, shorter than a PNG signature")
            }
            throw ImageError.notAnImage(path: path)
        }
        let base = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        switch format {
        case .png:
            var result = cnn_png_image()
            let code = cnn_png_decode(base, bytes.count, Int64(maxPixels), &result)
            defer { cnn_png_free(result.pixels) }
            if code != 0 {
                throw error(
                    code: code, message: message(&result.message), format: .png, path: path, maxPixels: maxPixels)
            }
            let count = Int(result.width) * Int(result.height) * Int(result.channels)
            let pixels = [UInt8](UnsafeBufferPointer(start: result.pixels, count: count))
            return (
                Image(
                    width: Int(result.width), height: Int(result.height), channels: Int(result.channels), pixels: pixels
                ), .png, nil
            )
        case .jpeg:
            var result = cnn_jpeg_image()
            let code = cnn_jpeg_decode(
                base, bytes.count, Int64(maxPixels), Int32(minimumSize?.width ?? 0),
                Int32(minimumSize?.height ?? 0), &result)
            defer { cnn_jpeg_free(result.pixels) }
            if code != 0 {
                throw error(
                    code: code, message: message(&result.message), format: .jpeg, path: path, maxPixels: maxPixels)
            }
            let count = Int(result.width) * Int(result.height) * Int(result.channels)
            let pixels = [UInt8](UnsafeBufferPointer(start: result.pixels, count: count))
            let warningCount = Int(result.warning_count)
            let damage =
                warningCount == 0
                ? nil
                : "damaged JPEG data: libjpeg reported \(warningCount) warning\(warningCount == 1 ? "" : "s"), the first \"\(message(&result.warning))\"; the damaged blocks are filled in"
            return (
                Image(
                    width: Int(result.width), height: Int(result.height), channels: Int(result.channels), pixels: pixels
                ), .jpeg, damage
            )
        }
    }

    /// Reads a whole file with POSIX calls (faster than Foundation for many small files).
    public static func readFile(_ path: String) throws -> [UInt8] {
        // O_NONBLOCK: opening a FIFO named like an image must not wait for a writer (it is refused below).
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        if descriptor < 0 { throw ImageError.unreadable(path: path, detail: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var status = stat()
        if fstat(descriptor, &status) != 0 {
            throw ImageError.unreadable(path: path, detail: String(cString: strerror(errno)))
        }
        if (status.st_mode & S_IFMT) == S_IFDIR { throw ImageError.unreadable(path: path, detail: "is a directory") }
        if (status.st_mode & S_IFMT) != S_IFREG {
            throw ImageError.unreadable(path: path, detail: "is not a regular file (a FIFO, socket or device)")
        }
        let size = Int(status.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        try bytes.withUnsafeMutableBytes { buffer in
            while filled < size {
                let n = read(descriptor, buffer.baseAddress! + filled, size - filled)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw ImageError.unreadable(path: path, detail: String(cString: strerror(errno)))
                }
                if n == 0 { break }
                filled += n
            }
        }
        if filled < size { bytes.removeSubrange(filled...) }
        return bytes
    }

    private static func message<T>(_ tuple: inout T) -> String {
        withUnsafeBytes(of: &tuple) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    private static func error(code: Int32, message: String, format: ImageFormat, path: String, maxPixels: Int)
        -> ImageError
    {
        switch Int(code) {
        case 2: return message.hasPrefix("empty") ? .emptyFile(path: path) : .truncated(path: path, detail: message)
        case 3:
            // The shim's message carries the claimed size: "image claims W×H = …".
            let numbers = message.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            return .tooLarge(
                path: path, width: numbers.count > 0 ? numbers[0] : 0, height: numbers.count > 1 ? numbers[1] : 0,
                maxPixels: maxPixels)
        case 4: return .unsupported(path: path, detail: message)
        case 5: return .unreadable(path: path, detail: message)
        default:
            // libjpeg reports valid-but-refused variants (12-bit precision, …) as "Unsupported …".
            if message.contains("nsupported") { return .unsupported(path: path, detail: message) }
            return .corrupt(path: path, format: format, detail: message)
        }
    }
}
