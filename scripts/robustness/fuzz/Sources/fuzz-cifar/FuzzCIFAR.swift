import CNNData
import Foundation
import FuzzDriver

/// CIFAR-10 binary batch reader: any bytes give labels 0–9 and 3072 pixels per record, or throw.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let batch = try? CIFARReader.parseBatch(bytes, path: "fuzz.bin") {
        precondition(batch.pixels.count == batch.labels.count * 3072)
        precondition(batch.labels.allSatisfy { (0...9).contains($0) })
    }
    return 0
}

/// The entry point (SwiftPM links `main` to `<module>_main`): libFuzzer's driver.
@_cdecl("fuzz_cifar_main")
public func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    cnn_fuzz_run(argc, argv) { data, size in data.map { fuzz($0, size) } ?? 0 }
}
