import Foundation
import FuzzDriver
import ImageIO

/// JPEG decoder (libjpeg through the CJPEG shim), with and without DCT scaling: any bytes decode
/// or throw an ImageError. The bytes are given the SOI marker so every input reaches libjpeg.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var bytes: [UInt8] = [0xFF, 0xD8, 0xFF]
    let input = UnsafeBufferPointer(start: data, count: size)
    bytes += input.starts(with: bytes) ? Array(input.dropFirst(3)) : Array(input)
    let scaled = size > 0 && data[size - 1] & 1 == 1
    if let image = try? ImageDecoder.decode(
        data: bytes, path: "fuzz.jpg", maxPixels: 1 << 20,
        minimumSize: scaled ? (width: 8, height: 8) : nil)
    {
        precondition(image.pixels.count == image.width * image.height * image.channels)
    }
    return 0
}

/// The entry point (SwiftPM links `main` to `<module>_main`): libFuzzer's driver.
@_cdecl("fuzz_jpeg_main")
public func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    cnn_fuzz_run(argc, argv) { data, size in data.map { fuzz($0, size) } ?? 0 }
}
