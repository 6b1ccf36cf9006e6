import CNNCore
import CNNLayers
import TestSupport
import XCTest

final class ReLUTests: XCTestCase {
    func testGradients() {
        GradientCheck.check(ReLU(), input: kinkFreeTensor(Shape(2, 3, 5, 7), seed: 1), samplesPerTensor: 60)
    }

    /// PyTorch nn.ReLU: numbers from scripts/golden/make_layers.py.
    func testMatchesPyTorch() throws {
        try LayerGolden.check(ReLU(), "relu")
    }

    func testNoInputGradientReturnsNil() {
        let layer = ReLU()
        let input = GradientCheck.randomTensor(Shape(2, 3), seed: 2)
        _ = layer.forward(input, mode: .training)
        XCTAssertNil(layer.backward(input, needsInputGradient: false))
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
