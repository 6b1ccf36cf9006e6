import CNNCore
import CNNLayers
import TestSupport
import XCTest

final class ResidualTests: XCTestCase {
    func testIdentityShortcutGradients() {
        var generator = SeededGenerator(seed: 1)
        let block = Residual(
            body: Sequential([
                Conv2D(inputChannels: 3, outputChannels: 3, kernelSize: 3, padding: 1, generator: &generator),
                Tanh(),
                Conv2D(
                    inputChannels: 3, outputChannels: 3, kernelSize: 3, padding: 1, bias: false, generator: &generator)
            ]))
        GradientCheck.check(block, input: GradientCheck.randomTensor(Shape(2, 3, 5, 7), seed: 2), samplesPerTensor: 30)
        XCTAssertEqual(block.namedParameters().map(\.name), ["body.0.weight", "body.0.bias", "body.2.weight"])
    }

    func testProjectedShortcutGradients() {
        var generator = SeededGenerator(seed: 3)
        let block = Residual(
            body: Sequential([
                Conv2D(
                    inputChannels: 2, outputChannels: 4, kernelSize: 3, stride: 2, padding: 1, generator: &generator),
                Tanh(),
                Conv2D(inputChannels: 4, outputChannels: 4, kernelSize: 3, padding: 1, generator: &generator)
            ]),
            shortcut: Sequential([
                Conv2D(
                    inputChannels: 2, outputChannels: 4, kernelSize: 1, stride: 2, bias: false, generator: &generator)
            ]))
        let input = GradientCheck.randomTensor(Shape(2, 2, 7, 6), seed: 4)
        XCTAssertNoThrow(try block.validate(input.shape, mode: .training))
        XCTAssertEqual(block.outputShape(for: input.shape), Shape(2, 4, 4, 3))
        GradientCheck.check(block, input: input, samplesPerTensor: 30)
        XCTAssertEqual(block.children.map(\.name), ["body", "shortcut"])
        XCTAssertEqual(
            block.namedParameters().map(\.name),
            ["body.0.weight", "body.0.bias", "body.2.weight", "body.2.bias", "shortcut.0.weight"])
    }

    func testShapeMismatchIsALayerError() {
        var generator = SeededGenerator(seed: 5)
        let block = Residual(
            body: Sequential([
                Conv2D(inputChannels: 2, outputChannels: 4, kernelSize: 3, padding: 1, generator: &generator)
            ]))
        XCTAssertThrowsError(try block.validate(Shape(1, 2, 5, 5), mode: .training)) { error in
            XCTAssertTrue(error is LayerError)
        }
    }

    /// Identity: with needsInputGradient false the block returns nil but the body still learns.
    func testNoInputGradient() {
        var generator = SeededGenerator(seed: 6)
        let block = Residual(
            body: Sequential([
                Conv2D(inputChannels: 2, outputChannels: 2, kernelSize: 3, padding: 1, generator: &generator)
            ]))
        let input = GradientCheck.randomTensor(Shape(2, 2, 4, 4), seed: 7)
        let output = block.forward(input, mode: .training)
        XCTAssertNil(block.backward(output, needsInputGradient: false))
        XCTAssertTrue(block.namedParameters().allSatisfy { $0.parameter.gradient.array.contains { $0 != 0 } })
    }
}
