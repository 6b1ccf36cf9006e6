import CNNCore
import CNNLayers
import CNNModels
import CNNNorms
import Foundation
import TestSupport
import XCTest

/// Every layer kind has a twin in scripts/pytorch/torch_model.py: the example of each kind (LayerExamples),
/// resolved and stored as a checkpoint stores it, builds in PyTorch into a module that takes the
/// engine's weights with `load_state_dict(strict=True)` (same names and shapes) and computes the
/// same output in inference mode.
final class TorchTwinTests: XCTestCase {
    /// Reads a JSON array of {model, state, input} from stdin; prints, for each, the state_dict
    /// shapes of the twin and its output with the engine's weights, or the error it raised.
    static let script = """
        import json, sys
        sys.path.insert(0, sys.argv[1])
        import torch
        import torch_model
        out = []
        for case in json.load(sys.stdin):
            try:
                model = torch_model.build_model(case["model"]).eval()
                shapes = {k: list(v.shape) for k, v in model.state_dict().items()}
                state = {k: torch.tensor(v["values"], dtype=torch.int64 if v["counter"] else torch.float32).reshape(v["shape"])
                         for k, v in case["state"].items()}
                model.load_state_dict(state, strict=True)
                x = torch.tensor(case["input"]).reshape([2] + case["model"]["inputShape"])
                with torch.no_grad():
                    y = model(x)
                out.append({"state": shapes, "output": y.reshape(-1).tolist(), "outputShape": list(y.shape)})
            except Exception as e:
                out.append({"error": f"{type(e).__name__}: {e}"})
        print(json.dumps(out))
        """

    struct Case: Encodable {
        struct Entry: Encodable {
            let shape: [Int]
            let values: [Float]
            let counter: Bool
        }
        let model: ResolvedModel
        let state: [String: Entry]
        let input: [Float]
    }

    struct Twin: Decodable {
        let state: [String: [Int]]?
        let output: [Float]?
        let outputShape: [Int]?
        let error: String?
    }

    func testEveryLayerKindHasAPyTorchTwin() throws {
        try Python.requireTorch("scripts/pytorch/torch_model.py")

        let examples = LayerExamples.cases
        var cases: [Case] = [], outputs: [Tensor] = []
        for (index, (keyword, norm)) in examples.enumerated() {
            let resolved = try LayerExamples.resolve(keyword, norm: norm)
            let model = try ModelBuilder.build(resolved, seed: UInt64(index + 1))
            var state: [String: Case.Entry] = [:]
            for (name, parameter) in model.namedParameters() {
                state[name] = .init(
                    shape: parameter.value.shape.dimensions, values: parameter.value.array, counter: false)
            }
            for (name, buffer) in model.namedBuffers() {
                switch buffer.storage {
                case .float(let tensor):
                    state[name] = .init(shape: tensor.shape.dimensions, values: tensor.array, counter: false)
                case .counter(let count): state[name] = .init(shape: [], values: [Float(count)], counter: true)
                }
            }
            let input = GradientCheck.randomTensor(Shape([2] + resolved.inputShape), seed: UInt64(index + 100))
            outputs.append(
                Tensor(shape: Shape(2, resolved.classCount), values: model.forward(input, mode: .inference).array))
            cases.append(Case(model: resolved, state: state, input: input.array))
        }

        let result = try Python.run(
            ["-c", Self.script, Fixtures.repositoryRoot.appendingPathComponent("scripts/pytorch").path],
            input: try JSONEncoder().encode(cases))
        XCTAssertEqual(result.status, 0, result.error)
        let twins = try JSONDecoder().decode([Twin].self, from: Data(result.output.utf8))
        XCTAssertEqual(twins.count, cases.count)

        for ((keyword, norm), (ours, (engine, twin))) in zip(examples, zip(cases, zip(outputs, twins))) {
            let name = "\(keyword) --norm \(norm)"
            XCTAssertNil(twin.error, "scripts/pytorch/torch_model.py has no working twin for \(name)")
            guard twin.error == nil else { continue }
            XCTAssertEqual(twin.state, ours.state.mapValues(\.shape), "state_dict of \(name)")
            XCTAssertEqual(twin.outputShape, engine.shape.dimensions, name)
            assertClose(engine.array, twin.output ?? [], relative: 1e-4, absolute: 1e-5, name)
        }
    }
}
