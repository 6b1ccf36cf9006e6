import CNNCore
import CNNNorms
import TestSupport
import XCTest

/// LayerNorm (per-element γ, β over (C, H, W)) against PyTorch and finite differences.
final class LayerNormTests: XCTestCase {
    func testGoldenTrainingForwardAndGradients() throws {
        try NormTesting.checkGolden(LayerNorm(channelCount: 4, height: 5, width: 6), caseName: "layer")
    }

    func testGoldenRankTwoInput() throws {
        let layer = LayerNorm(featureCount: 7)
        XCTAssertEqual(layer.weight.value.shape, Shape(7))
        try NormTesting.checkGolden(layer, caseName: "layer_rank2")
    }

    func testFiniteDifferences() {
        NormTesting.sweep([
            SweepCase(batch: 1, channels: 3, height: 5, width: 7),
            SweepCase(batch: 2, channels: 8, height: 1, width: 1),
            SweepCase(batch: 8, channels: 1, height: 5, width: 7),
            SweepCase(batch: 8, channels: 64, height: 1, width: 1, samples: 12),
            SweepCase(batch: 2, channels: 1, height: 28, width: 28, samples: 12),
            SweepCase(batch: 2, channels: 64, height: 28, width: 28, samples: 6)
        ]) { c in LayerNorm(channelCount: c.channels, height: c.height, width: c.width) }
    }

    func testMatchesReferenceKernel() {
        NormTesting.checkMatchesReference(
            [Shape(3, 5, 4, 9), Shape(4, 32, 14, 14)],
            make: { LayerNorm(channelCount: $0.channels, height: $0.height, width: $0.width) },
            statistics: { _ in .group(1) }, perElementAffine: true, parameterAbsolute: 1e-5)
    }

    func testConstantInputGivesFiniteOutputAndGradients() {
        NormTesting.checkConstantInputIsFinite(
            LayerNorm(channelCount: 3, height: 4, width: 4), shape: Shape(2, 3, 4, 4), value: 1e4)
    }

    func testParameterCountIsPerElement() {
        let layer = LayerNorm(channelCount: 64, height: 14, width: 14)
        XCTAssertEqual(layer.parameterCount, 25_088)
        XCTAssertEqual(layer.weight.value.shape, Shape(64, 14, 14))
        XCTAssertEqual(layer.namedParameters().map(\.name), ["weight", "bias"])
        XCTAssertThrowsError(try layer.validate(Shape(2, 64, 7, 7), mode: .training))
        XCTAssertNoThrow(try layer.validate(Shape(2, 64, 14, 14), mode: .inference))
    }
}
