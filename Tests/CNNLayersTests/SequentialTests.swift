import CNNCore
import CNNLayers
import TestSupport
import XCTest

final class SequentialTests: XCTestCase {
    private func smallNet(_ generator: inout SeededGenerator) -> Sequential {
        Sequential([
            Conv2D(inputChannels: 2, outputChannels: 3, kernelSize: 3, padding: 1, generator: &generator),
            Tanh(),
            AvgPool2D(kernelSize: 2),
            Conv2D(
                inputChannels: 3, outputChannels: 4, kernelSize: 3, stride: 2, padding: 1, bias: false,
                generator: &generator),
            Sigmoid(),
            Flatten(),
            Linear(inputFeatures: 4 * 2 * 2, outputFeatures: 3, generator: &generator)
        ])
    }

    /// Finite differences through a whole chain: input and every parameter of every child.
    func testGradients() {
        var generator = SeededGenerator(seed: 1)
        let net = smallNet(&generator)
        GradientCheck.check(net, input: GradientCheck.randomTensor(Shape(2, 2, 7, 6), seed: 2), samplesPerTensor: 30)
    }

    func testNamesShapesFLOPsAndValidation() {
        var generator = SeededGenerator(seed: 1)
        let net = smallNet(&generator)
        XCTAssertEqual(net.namedParameters().map(\.name), ["0.weight", "0.bias", "3.weight", "6.weight", "6.bias"])
        XCTAssertEqual(net.children.map(\.name), ["0", "1", "2", "3", "4", "5", "6"])
        let input = Shape(5, 2, 7, 6)
        XCTAssertEqual(net.outputShape(for: input), Shape(5, 3))
        XCTAssertEqual(net.forwardFLOPs(for: input), 2 * 3 * 18 * 42 + 2 * 4 * 27 * 4 + 2 * 16 * 3)
        XCTAssertNoThrow(try net.validate(input, mode: .training))
        XCTAssertThrowsError(try net.validate(Shape(5, 3, 7, 6), mode: .training)) { error in
            XCTAssertTrue("\(error)".hasPrefix("layer 0"), "\(error)")
        }
        XCTAssertThrowsError(try net.validate(Shape(5, 2, 11, 11), mode: .training)) { error in
            XCTAssertTrue("\(error)".hasPrefix("layer 6"), "\(error)")
        }
    }

    /// needsInputGradient goes to the first layer only; inner layers still get their gradients.
    func testFirstLayerInputGradientSkipped() {
        var generator = SeededGenerator(seed: 1)
        let net = smallNet(&generator)
        let input = GradientCheck.randomTensor(Shape(2, 2, 7, 6), seed: 2)
        let output = net.forward(input, mode: .training)
        XCTAssertNil(net.backward(output, needsInputGradient: false))
        XCTAssertTrue(net.namedParameters().allSatisfy { $0.parameter.gradient.array.contains { $0 != 0 } })
    }
}
