import CNNCore
import CNNLayers
import TestSupport
import XCTest

final class ReLUTests: XCTestCase {
    /// Gradients, PyTorch nn.ReLU (numbers from scripts/golden/make_layers.py), no input gradient.
    func testCommonActivationChecks() throws {
        try checkActivation({ ReLU() }, golden: "relu", gradientInput: kinkFreeTensor(Shape(2, 3, 5, 7), seed: 1))
    }
}

final class ReLUValueTests: XCTestCase {
    func testValuesAndLargeTensorsSplitAcrossThreads() {
        let relu = ReLU()
        let input = GradientCheck.randomTensor(Shape(4, 8, 64, 64), seed: 3)
        let output = relu.forward(input, mode: .training)
        XCTAssertEqual(output.array, input.array.map { max($0, 0) })
        let gradient = relu.backward(input, needsInputGradient: true)!
        XCTAssertEqual(gradient.array, input.array.map { $0 > 0 ? $0 : 0 })
    }
}
