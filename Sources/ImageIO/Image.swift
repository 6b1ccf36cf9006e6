/// An 8-bit image in memory: `pixels` holds height·width·channels bytes, row-major and
/// interleaved (HWC), as decoders produce it. Channels: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA.
public struct Image: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(
            width >= 0 && height >= 0 && (1...4).contains(channels), "bad image geometry \(width)×\(height)×\(channels)"
        )
        precondition(
            pixels.count == width * height * channels,
            "\(pixels.count) bytes for a \(width)×\(height)×\(channels) image")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// A zero-filled (black, transparent) image.
    public init(width: Int, height: Int, channels: Int) {
        self.init(
            width: width, height: height, channels: channels,
            pixels: [UInt8](repeating: 0, count: width * height * channels))
    }

    /// The sample at (x, y, channel).
    public subscript(x: Int, y: Int, channel: Int) -> UInt8 {
        get { pixels[(y * width + x) * channels + channel] }
        set { pixels[(y * width + x) * channels + channel] = newValue }
    }

    public var hasAlpha: Bool { channels == 2 || channels == 4 }
}

/// The file formats the decoder knows, told apart by their first bytes (never by the extension);
/// also the format of exported or generated image folders.
public enum ImageFormat: String, Sendable, CaseIterable {
    case png, jpeg

    /// The extension written files get: "png", "jpg".
    public var fileExtension: String { self == .png ? "png" : "jpg" }

    /// The format whose signature starts `bytes`, or nil.
    /// PNG: 89 50 4E 47 0D 0A 1A 0A. JPEG: FF D8 FF.
    public static func sniff(_ bytes: UnsafeRawBufferPointer) -> ImageFormat? {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        if bytes.count >= 8 && zip(bytes.prefix(8), png).allSatisfy({ $0 == $1 }) { return .png }
        if bytes.count >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF { return .jpeg }
        return nil
    }

    public static func sniff(_ bytes: [UInt8]) -> ImageFormat? { bytes.withUnsafeBytes { sniff($0) } }

    /// The format a file name's extension suggests (.png; .jpg, .jpeg), case-insensitive.
    public static func fromExtension(of path: String) -> ImageFormat? {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        switch path[path.index(after: dot)...].lowercased() {
        case "png": return .png
        case "jpg", "jpeg": return .jpeg
        default: return nil
        }
    }
}

/// Why an image could not be read. Every message starts with the file's path.
public enum ImageError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file has no bytes.
    case emptyFile(path: String)
    /// The data ends before the image does.
    case truncated(path: String, detail: String)
    /// Neither a PNG nor a JPEG signature.
    case notAnImage(path: String)
    /// A PNG or JPEG that is damaged inside (the decoder's message says where).
    case corrupt(path: String, format: ImageFormat, detail: String)
    /// A valid file of a variant this decoder refuses.
    case unsupported(path: String, detail: String)
    /// The header claims more pixels than the cap; refused before allocating.
    case tooLarge(path: String, width: Int, height: Int, maxPixels: Int)
    /// The file could not be read at all (permissions, a directory, I/O error).
    case unreadable(path: String, detail: String)
    /// An encoder failure (bad geometry or a library error).
    case encodingFailed(detail: String)

    public var path: String {
        switch self {
        case .emptyFile(let path), .truncated(let path, _), .notAnImage(let path), .corrupt(let path, _, _),
            .unsupported(let path, _), .tooLarge(let path, _, _, _), .unreadable(let path, _):
            return path
        case .encodingFailed: return ""
        }
    }

    public var description: String {
        switch self {
        case .emptyFile(let path): return "\(path): empty file (0 bytes)"
        case .truncated(let path, let detail): return "\(path): truncated image: \(detail)"
        case .notAnImage(let path): return "\(path): not an image (neither a PNG nor a JPEG signature)"
        case .corrupt(let path, let format, let detail):
            return "\(path): corrupt \(format.rawValue.uppercased()): \(detail)"
        case .unsupported(let path, let detail): return "\(path): unsupported image: \(detail)"
        case .tooLarge(let path, let width, let height, let maxPixels):
            return
                "\(path): image too large: claims \(width)×\(height) = \(width * height) pixels, over the limit of \(maxPixels)"
        case .unreadable(let path, let detail): return "\(path): cannot read: \(detail)"
        case .encodingFailed(let detail): return "cannot encode image: \(detail)"
        }
    }
}
