import CNNCore
import CNNLayers
import CNNModels
import CNNNorms
import Foundation
import TestSupport
import XCTest

/// Every layer kind has a twin in scripts/torch_model.py: the example of each kind (LayerExamples),
/// resolved and stored as a checkpoint stores it, builds in PyTorch into a module with the same
/// state_dict names and parameter shapes as the engine's, and the same output shape.
final class TorchTwinTests: XCTestCase {
    /// Reads a JSON array of resolved models from stdin; prints, for each, the state_dict shapes and
    /// the output shape of a forward pass on zeros, or the error that torch_model.py raised.
    static let describe = """
        import json, sys
        sys.path.insert(0, sys.argv[1])
        import torch
        import torch_model
        out = []
        for resolved in json.load(sys.stdin):
            try:
                model = torch_model.build_model(resolved).eval()
                y = model(torch.zeros([2] + resolved["inputShape"]))
                out.append({"state": {k: list(v.shape) for k, v in model.state_dict().items()}, "output": list(y.shape)})
            except Exception as e:
                out.append({"error": f"{type(e).__name__}: {e}"})
        print(json.dumps(out))
        """

    struct Description: Decodable {
        let state: [String: [Int]]?
        let output: [Int]?
        let error: String?
    }

    func testEveryLayerKindHasAPyTorchTwin() throws {
        let python = "/usr/bin/python3"
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: python)
        probe.arguments = ["-c", "import torch"]
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { throw XCTSkip("no \(python): cannot check scripts/torch_model.py") }
        probe.waitUntilExit()
        guard probe.terminationStatus == 0 else {
            throw XCTSkip("python3-torch is not installed (scripts/setup.sh --with-torch): cannot check scripts/torch_model.py")
        }

        let cases = LayerExamples.cases
        let models = try cases.map { try LayerExamples.resolve($0.keyword, norm: $0.norm) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", Self.describe, Fixtures.repositoryRoot.appendingPathComponent("scripts").path]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(try JSONEncoder().encode(models))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let descriptions = try JSONDecoder().decode([Description].self, from: data)
        XCTAssertEqual(descriptions.count, cases.count)

        for ((keyword, norm), (resolved, description)) in zip(cases, zip(models, descriptions)) {
            let name = "\(keyword) --norm \(norm)"
            XCTAssertNil(description.error, "scripts/torch_model.py cannot build \(name)")
            guard description.error == nil else { continue }
            let model = try ModelBuilder.build(resolved, seed: 1)
            var ours: [String: [Int]] = [:]
            for (name, parameter) in model.namedParameters() { ours[name] = parameter.value.shape.dimensions }
            for (name, buffer) in model.namedBuffers() {
                switch buffer.storage {
                case .float(let tensor): ours[name] = tensor.shape.dimensions
                case .counter: ours[name] = []
                }
            }
            XCTAssertEqual(description.state, ours, "state_dict of \(name)")
            XCTAssertEqual(description.output, [2, resolved.classCount], name)
        }
    }
}
