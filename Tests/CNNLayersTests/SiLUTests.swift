import CNNCore
import CNNLayers
import TestSupport
import XCTest

final class SiLUTests: XCTestCase {
    /// Gradients, PyTorch nn.SiLU (numbers from scripts/golden/make_layers.py), no input gradient.
    func testCommonActivationChecks() throws {
        try checkActivation(
            { SiLU() }, golden: "silu",
            gradientInput: GradientCheck.randomTensor(Shape(2, 3, 5, 7), seed: 1, low: -5, high: 5))
    }

    /// x·σ(x) tends to 0 for very negative x and to x for very positive x, without NaN; the
    /// gradient tends to 0 and 1.
    func testExtremeInputs() {
        let layer = SiLU()
        let input = Tensor(shape: Shape(1, 4), values: [-200, -20, 20, 200])
        let output = layer.forward(input, mode: .training).array
        XCTAssertEqual(output[0], 0)
        XCTAssertEqual(output[3], 200)
        XCTAssertEqual(output[2], 20 / (1 + exp(-20)), accuracy: 1e-5)
        let gradient = layer.backward(Tensor(shape: Shape(1, 4), values: [1, 1, 1, 1]), needsInputGradient: true)!.array
        XCTAssertEqual(gradient[0], 0)
        XCTAssertEqual(gradient[3], 1)
        XCTAssertFalse((output + gradient).contains { $0.isNaN })
    }
}
