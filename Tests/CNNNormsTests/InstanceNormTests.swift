import CNNCore
import CNNNorms
import TestSupport
import XCTest

/// InstanceNorm (affine, no running statistics) against PyTorch's
/// `InstanceNorm2d(C, affine=True)` and finite differences.
final class InstanceNormTests: XCTestCase {
    func testGoldenTrainingForwardAndGradients() throws {
        try NormTesting.checkGolden(InstanceNorm(channelCount: 4), caseName: "instance")
    }

    func testFiniteDifferences() {
        NormTesting.sweep([
            SweepCase(batch: 1, channels: 3, height: 5, width: 7),
            SweepCase(batch: 8, channels: 1, height: 5, width: 7),
            SweepCase(batch: 2, channels: 8, height: 28, width: 28, samples: 8),
            SweepCase(batch: 2, channels: 64, height: 5, width: 7, samples: 12)
        ]) { c in InstanceNorm(channelCount: c.channels) }
    }

    func testInferenceUsesInstanceStatisticsToo() {
        let layer = InstanceNorm(channelCount: 3)
        NormTesting.randomizeAffine(layer.weight, layer.bias, seed: 1)
        let x = GradientCheck.randomTensor(Shape(2, 3, 4, 5), seed: 2)
        let training = layer.forward(x, mode: .training).array
        XCTAssertEqual(layer.forward(x, mode: .inference).array, training)
        XCTAssertTrue(layer.buffers.isEmpty)
    }

    func testOneByOneInputIsRejected() {
        let layer = InstanceNorm(channelCount: 8)
        XCTAssertThrowsError(try layer.validate(Shape(4, 8, 1, 1), mode: .training))
        XCTAssertThrowsError(try layer.validate(Shape(4, 8), mode: .inference))
        XCTAssertNoThrow(try layer.validate(Shape(1, 8, 2, 1), mode: .training))
    }

    func testConstantInputGivesFiniteOutputAndGradients() {
        NormTesting.checkConstantInputIsFinite(InstanceNorm(channelCount: 3), shape: Shape(2, 3, 4, 4), value: 0.125)
    }

    func testParameterCount() {
        XCTAssertEqual(InstanceNorm(channelCount: 64).parameterCount, 128)
    }
}
