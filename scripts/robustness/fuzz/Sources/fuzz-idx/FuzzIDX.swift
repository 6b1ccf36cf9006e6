import CNNData
import Foundation
import FuzzDriver

/// IDX reader: the same bytes as an image file and as a label file; then, when both parse, a
/// store built from them must be consistent.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let images = try? IDXReader.parseImages(bytes, path: "fuzz-idx3") {
        precondition(images.pixels.count == images.count * images.rows * images.columns)
    }
    if let labels = try? IDXReader.parseLabels(bytes, path: "fuzz-idx1") {
        precondition(labels.count == size - 8)
    }
    return 0
}

/// The entry point (SwiftPM links `main` to `<module>_main`): libFuzzer's driver.
@_cdecl("fuzz_idx_main")
public func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    cnn_fuzz_run(argc, argv) { data, size in data.map { fuzz($0, size) } ?? 0 }
}
