import CNNCore
import CNNLayers
import TestSupport
import XCTest

final class FlattenTests: XCTestCase {
    func testForwardBackward() {
        let flatten = Flatten()
        let input = GradientCheck.randomTensor(Shape(2, 3, 4, 5), seed: 1)
        let output = flatten.forward(input, mode: .training)
        XCTAssertEqual(output.shape, Shape(2, 60))
        XCTAssertEqual(output.array, input.array)
        let gradient = flatten.backward(output, needsInputGradient: true)!
        XCTAssertEqual(gradient.shape, input.shape)
        XCTAssertEqual(gradient.array, input.array)
        GradientCheck.check(flatten, input: input)
    }
}
