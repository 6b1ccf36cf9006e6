import CNNTraining
import Foundation
import FuzzDriver

/// Checkpoint reader: safetensors parsing, then the cnntrain metadata (model, class names,
/// normalization, trainer state), then building the model and loading the weights into it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let file = try? SafeTensorsFile.parse(bytes, source: "fuzz.safetensors") else { return 0 }
    // What parses must serialize and parse back to the same tensors and metadata.
    if let again = try? file.serialized() {
        precondition((try? SafeTensorsFile.parse(again, source: "again")) == file)
    }
    guard let checkpoint = try? LoadedCheckpoint(file: file, path: "fuzz.safetensors") else { return 0 }
    _ = try? checkpoint.buildModel()
    return 0
}

/// The entry point (SwiftPM links `main` to `<module>_main`): libFuzzer's driver.
@_cdecl("fuzz_checkpoint_main")
public func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    cnn_fuzz_run(argc, argv) { data, size in data.map { fuzz($0, size) } ?? 0 }
}
