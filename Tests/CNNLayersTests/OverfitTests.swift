import CNNCore
import CNNLayers
import TestSupport
import XCTest

/// A tiny network must drive the loss on one small batch below 0.01 with plain SGD:
/// forward → loss → backward → p −= lr·∂p (the gradients are zeroed after each step).
final class OverfitTests: XCTestCase {
    private func overfit(
        _ net: Layer, steps: Int, learningRate: Float, file: StaticString = #filePath, line: UInt = #line
    ) -> Float {
        let input = GradientCheck.randomTensor(Shape(8, 1, 8, 8), seed: 21)
        let labels: [Int32] = [0, 1, 2, 3, 0, 1, 2, 3]
        XCTAssertNoThrow(try net.validate(input.shape, mode: .training), file: file, line: line)
        let loss = SoftmaxCrossEntropy()
        net.zeroGradients()
        var last: Float = .infinity
        for _ in 0..<steps {
            last = loss.forward(logits: net.forward(input, mode: .training), labels: labels).loss
            if last < 0.01 { break }
            _ = net.backward(loss.backward(), needsInputGradient: false)
            sgdStep(net, learningRate: learningRate)
        }
        return last
    }

    func testPlainConvNetOverfitsOneBatch() {
        var generator = SeededGenerator(seed: 1)
        let net = Sequential([
            Conv2D(inputChannels: 1, outputChannels: 8, kernelSize: 3, padding: 1, generator: &generator),
            ReLU(),
            MaxPool2D(kernelSize: 2),
            Conv2D(inputChannels: 8, outputChannels: 8, kernelSize: 3, padding: 1, generator: &generator),
            ReLU(),
            Flatten(),
            Linear(inputFeatures: 8 * 4 * 4, outputFeatures: 4, generator: &generator)
        ])
        let loss = overfit(net, steps: 500, learningRate: 0.1)
        XCTAssertLessThan(loss, 0.01)
    }

    func testResidualNetOverfitsOneBatch() {
        var generator = SeededGenerator(seed: 2)
        let net = Sequential([
            Conv2D(inputChannels: 1, outputChannels: 8, kernelSize: 3, padding: 1, generator: &generator),
            ReLU(),
            Residual(
                body: Sequential([
                    Conv2D(inputChannels: 8, outputChannels: 8, kernelSize: 3, padding: 1, generator: &generator),
                    ReLU(),
                    Conv2D(inputChannels: 8, outputChannels: 8, kernelSize: 3, padding: 1, generator: &generator)
                ])),
            ReLU(),
            Residual(
                body: Sequential([
                    Conv2D(
                        inputChannels: 8, outputChannels: 16, kernelSize: 3, stride: 2, padding: 1,
                        generator: &generator),
                    ReLU(),
                    Conv2D(inputChannels: 16, outputChannels: 16, kernelSize: 3, padding: 1, generator: &generator)
                ]),
                shortcut: Sequential([
                    Conv2D(inputChannels: 8, outputChannels: 16, kernelSize: 1, stride: 2, generator: &generator)
                ])),
            ReLU(),
            GlobalAvgPool2D(),
            Linear(inputFeatures: 16, outputFeatures: 4, generator: &generator)
        ])
        let loss = overfit(net, steps: 1500, learningRate: 0.1)
        XCTAssertLessThan(loss, 0.01)
    }
}
