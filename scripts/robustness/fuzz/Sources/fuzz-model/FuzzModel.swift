import CNNModels
import CNNNorms
import CNNTraining
import Foundation
import FuzzDriver

/// Model-file parser and resolver: any text parses and resolves for every norm, or throws a
/// ModelFileError. A model that resolves small enough is also built (catches resolver/builder
/// disagreements).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let file = try? ModelFile(text: text, path: "fuzz.cfg") else { return 0 }
    _ = try? ModelResolver.inputShape(of: file)
    for kind in NormKind.allCases {
        for position in NormPosition.allCases {
            let norm = NormConfiguration(kind: kind, groupCount: size % 3 == 0 ? nil : size % 5 + 1, position: position)
            guard let model = try? ModelResolver.resolve(file, name: "fuzz", classCount: 10, norm: norm) else {
                continue
            }
            if let count = try? model.validatedParameterCount(), count < 1 << 22 {
                _ = try? ModelBuilder.build(model, seed: 1)
            }
        }
    }
    return 0
}

/// The entry point (SwiftPM links `main` to `<module>_main`): libFuzzer's driver.
@_cdecl("fuzz_model_main")
public func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    cnn_fuzz_run(argc, argv) { data, size in data.map { fuzz($0, size) } ?? 0 }
}
