import CNNCore
import CNNLayers
import TestSupport
import XCTest

final class TanhTests: XCTestCase {
    /// Gradients, PyTorch nn.Tanh (numbers from scripts/golden/make_layers.py), no input gradient.
    func testCommonActivationChecks() throws {
        try checkActivation(
            { Tanh() }, golden: "tanh",
            gradientInput: GradientCheck.randomTensor(Shape(2, 3, 5, 7), seed: 1, low: -3, high: 3))
    }
}
