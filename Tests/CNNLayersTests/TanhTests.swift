import CNNCore
import CNNLayers
import TestSupport
import XCTest

final class TanhTests: XCTestCase {
    func testGradients() {
        GradientCheck.check(
            Tanh(), input: GradientCheck.randomTensor(Shape(2, 3, 5, 7), seed: 1, low: -3, high: 3),
            samplesPerTensor: 60)
    }

    /// PyTorch nn.Tanh: numbers from scripts/golden/make_layers.py.
    func testMatchesPyTorch() throws {
        try LayerGolden.check(Tanh(), "tanh")
    }

    func testNoInputGradientReturnsNil() {
        let layer = Tanh()
        let input = GradientCheck.randomTensor(Shape(2, 3), seed: 2)
        _ = layer.forward(input, mode: .training)
        XCTAssertNil(layer.backward(input, needsInputGradient: false))
    }
}
