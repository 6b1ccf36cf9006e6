import CNNCore
import CNNLayers
import TestSupport
import XCTest

final class SigmoidTests: XCTestCase {
    /// Gradients, PyTorch nn.Sigmoid (numbers from scripts/golden/make_layers.py), no input gradient.
    func testCommonActivationChecks() throws {
        try checkActivation(
            { Sigmoid() }, golden: "sigmoid",
            gradientInput: GradientCheck.randomTensor(Shape(2, 3, 5, 7), seed: 1, low: -4, high: 4))
    }
}

final class SigmoidRangeTests: XCTestCase {
    /// Saturates to 0 and 1 without NaN.
    func testExtremeInputs() {
        let output = Sigmoid().forward(Tensor(shape: Shape(1, 4), values: [-200, -20, 20, 200]), mode: .inference).array
        XCTAssertEqual(output[0], 0)
        XCTAssertEqual(output[3], 1)
        XCTAssertFalse(output.contains { $0.isNaN })
    }
}
