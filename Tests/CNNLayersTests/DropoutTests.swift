import CNNCore
import CNNLayers
import TestSupport
import XCTest

final class DropoutTests: XCTestCase {
    func testInferenceIsIdentity() {
        let dropout = Dropout(probability: 0.5, seed: 1)
        let input = GradientCheck.randomTensor(Shape(4, 3, 5, 5), seed: 2)
        XCTAssertEqual(dropout.forward(input, mode: .inference).array, input.array)
        XCTAssertEqual(dropout.backward(input, needsInputGradient: true)!.array, input.array)
    }

    /// Finite differences in inference mode (training draws a new mask per forward, so there the
    /// test below checks that backward applies the forward's mask instead).
    func testInferenceGradients() {
        GradientCheck.check(
            Dropout(probability: 0.3, seed: 1), input: GradientCheck.randomTensor(Shape(2, 3, 4, 5), seed: 5),
            mode: .inference)
    }

    /// Training keeps ≈ (1 − p) of the elements, scaled by 1/(1 − p); backward applies the same mask.
    func testTrainingKeepsAFractionAndScales() {
        for p: Float in [0.2, 0.5] {
            let dropout = Dropout(probability: p, seed: 3)
            let input = Tensor(shape: Shape(8, 4, 16, 16))
            input.fill(1)
            let output = dropout.forward(input, mode: .training).array
            let kept = output.filter { $0 != 0 }
            XCTAssertEqual(Float(kept.count) / Float(output.count), 1 - p, accuracy: 0.02)
            XCTAssertTrue(kept.allSatisfy { abs($0 - 1 / (1 - p)) < 1e-6 })
            let gradient = dropout.backward(input, needsInputGradient: true)!.array
            XCTAssertEqual(gradient, output, "backward uses the forward's mask")
        }
    }

    /// The same seed gives the same masks; the generator's state can be saved and restored.
    func testSeededAndRestorable() {
        let input = Tensor(shape: Shape(2, 50))
        input.fill(1)
        let a = Dropout(probability: 0.3, seed: 9), b = Dropout(probability: 0.3, seed: 9)
        XCTAssertEqual(a.forward(input, mode: .training).array, b.forward(input, mode: .training).array)
        let saved = a.generator
        let next = a.forward(input, mode: .training).array
        XCTAssertNotEqual(next, b.forward(input, mode: .inference).array.map { $0 * 0 })
        a.generator = saved
        XCTAssertEqual(a.forward(input, mode: .training).array, next)
    }

    func testProbabilityZeroAndOne() {
        let input = GradientCheck.randomTensor(Shape(2, 10), seed: 4)
        XCTAssertEqual(Dropout(probability: 0, seed: 1).forward(input, mode: .training).array, input.array)
        XCTAssertTrue(Dropout(probability: 1, seed: 1).forward(input, mode: .training).array.allSatisfy { $0 == 0 })
    }
}
