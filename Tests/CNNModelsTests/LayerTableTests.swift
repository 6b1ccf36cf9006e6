import CNNCore
import CNNLayers
import CNNModels
import CNNNorms
import Foundation
import XCTest

/// Every kind of the table resolves, checks, builds, and agrees with what it built.
final class LayerTableTests: XCTestCase {
    func testEveryKindHasAnExample() {
        XCTAssertEqual(
            Set(LayerExamples.lines.keys), Set(LayerTable.keywords),
            "add the new kind to Tests/CNNModelsTests/LayerExamples.swift")
    }

    /// The parameter count and shapes the table infers are those of the layers it builds, and a
    /// forward pass gives the inferred output shape.
    func testInferredShapesAndCountsMatchTheBuiltLayers() throws {
        for (keyword, norm) in LayerExamples.cases {
            let resolved = try LayerExamples.resolve(keyword, norm: norm)
            let model = try ModelBuilder.build(resolved, seed: 1)
            XCTAssertEqual(try resolved.validatedParameterCount(), model.parameterCount, "\(keyword) --norm \(norm)")
            let input = Tensor(shape: Shape([2] + resolved.inputShape))
            for layer in resolved.layers.indices {
                let spec = resolved.layers[layer]
                XCTAssertEqual(
                    model.layers[layer].outputShape(for: Shape([2] + spec.inputShape)).dimensions,
                    [2] + spec.outputShape, "\(keyword) --norm \(norm): layer \(layer) (\(spec.type))")
            }
            XCTAssertEqual(model.forward(input, mode: .inference).shape, Shape(2, 3), "\(keyword) --norm \(norm)")
        }
    }

    /// A model read back from JSON (as from a checkpoint) passes the same checks and builds the
    /// same layers.
    func testJSONRoundTripOfEveryKind() throws {
        for (keyword, norm) in LayerExamples.cases {
            let resolved = try LayerExamples.resolve(keyword, norm: norm)
            let decoded = try JSONDecoder().decode(ResolvedModel.self, from: try JSONEncoder().encode(resolved))
            XCTAssertEqual(decoded, resolved, "\(keyword) --norm \(norm)")
            XCTAssertEqual(
                try ModelBuilder.build(decoded, seed: 1).namedParameters().map(\.name),
                try ModelBuilder.build(resolved, seed: 1).namedParameters().map(\.name))
        }
    }

    /// `--norm-position after` moves a norm behind every activation kind, and behind nothing else.
    func testNormPositionAfterKnowsTheActivations() throws {
        for keyword in LayerTable.keywords where !["norm", "residual", "linear"].contains(keyword) {
            let text =
                "input channels=2 size=6\nconv outputChannels=4 kernelSize=3\nnorm\n\(LayerExamples.lines[keyword] ?? keyword)\nflatten\nlinear outputFeatures=classes\n"
            let layers = try ModelResolver.resolve(
                ModelFile(text: text, path: "t.cfg"), name: "t", classCount: 3,
                norm: NormConfiguration(kind: .batch, position: .after)
            ).layers.map(\.type)
            let isActivation = ["relu", "sigmoid", "tanh", "silu", "leakyrelu"].contains(keyword)
            XCTAssertEqual(layers[1], isActivation ? keyword : "norm", "\(keyword): \(layers)")
        }
    }
}
