import CJPEG
import CPNG

/// PNG and JPEG encoding through libpng and libjpeg (used by the dataset preparation scripts
/// and the test fixtures).
public enum ImageEncoder {
    /// An 8-bit PNG of a gray (1), gray+alpha (2), RGB (3) or RGBA (4) image.
    /// - Parameter compressionLevel: zlib level 0–9 (6 is libpng's default).
    public static func png(_ image: Image, compressionLevel: Int = 6) throws -> [UInt8] {
        try encoded(free: cnn_png_free) { output, size, message in
            image.pixels.withUnsafeBufferPointer {
                cnn_png_encode(
                    $0.baseAddress, Int32(image.width), Int32(image.height), Int32(image.channels),
                    Int32(max(0, min(9, compressionLevel))), &output, &size, &message, message.count)
            }
        }
    }

    /// A JPEG (4:2:0 for colour) of a gray (1) or RGB (3) image; alpha is composited on white first.
    /// - Parameters:
    ///   - quality: libjpeg quality 1–100.
    ///   - progressive: write a progressive instead of a baseline file.
    public static func jpeg(_ image: Image, quality: Int = 90, progressive: Bool = false) throws -> [UInt8] {
        let source = image.hasAlpha ? image.converted(toChannels: image.channels - 1) : image
        return try encoded(free: cnn_jpeg_free) { output, size, message in
            source.pixels.withUnsafeBufferPointer {
                cnn_jpeg_encode(
                    $0.baseAddress, Int32(source.width), Int32(source.height), Int32(source.channels),
                    Int32(quality), progressive ? 1 : 0, &output, &size, &message, message.count)
            }
        }
    }

    /// Runs a C encoder that returns 0 and a malloc'd buffer (released with `free`), or an error
    /// code and a message; copies the buffer out.
    private static func encoded(
        free: (UnsafeMutableRawPointer?) -> Void,
        _ encode: (
            _ output: inout UnsafeMutablePointer<UInt8>?, _ size: inout Int, _ message: inout [CChar]
        ) -> Int32
    ) throws -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 200)
        let code = encode(&output, &size, &message)
        defer { free(output) }
        if code != 0 { throw ImageError.encodingFailed(detail: String(cString: message)) }
        return [UInt8](UnsafeBufferPointer(start: output, count: size))
    }
}
