import Foundation
import FuzzDriver
import ImageIO

/// PNG decoder (libpng through the CPNG shim): any bytes decode or throw an ImageError.
/// The bytes are given the PNG signature so that every input reaches libpng.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    let input = UnsafeBufferPointer(start: data, count: size)
    bytes += input.starts(with: bytes) ? Array(input.dropFirst(8)) : Array(input)
    // A small pixel cap keeps each run fast; the cap itself is part of what is tested.
    if let image = try? ImageDecoder.decode(data: bytes, path: "fuzz.png", maxPixels: 1 << 20) {
        precondition(image.pixels.count == image.width * image.height * image.channels)
    }
    return 0
}

/// The entry point (SwiftPM links `main` to `<module>_main`): libFuzzer's driver.
@_cdecl("fuzz_png_main")
public func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    cnn_fuzz_run(argc, argv) { data, size in data.map { fuzz($0, size) } ?? 0 }
}
