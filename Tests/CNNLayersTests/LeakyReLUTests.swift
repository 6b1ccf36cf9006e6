import CNNCore
import CNNLayers
import TestSupport
import XCTest

final class LeakyReLUTests: XCTestCase {
    func testGradients() {
        GradientCheck.check(
            LeakyReLU(slope: 0.1), input: kinkFreeTensor(Shape(2, 3, 5, 7), seed: 1), samplesPerTensor: 60)
    }

    /// PyTorch nn.LeakyReLU: numbers from scripts/golden/make_layers.py.
    func testMatchesPyTorch() throws {
        try LayerGolden.check(LeakyReLU(slope: 0.1), "leaky_relu")
    }

    func testNoInputGradientReturnsNil() {
        let layer = LeakyReLU(slope: 0.1)
        let input = GradientCheck.randomTensor(Shape(2, 3), seed: 2)
        _ = layer.forward(input, mode: .training)
        XCTAssertNil(layer.backward(input, needsInputGradient: false))
    }
}
