import CNNCore
import CNNLayers
import TestSupport
import XCTest

/// A batch smaller than the thread count splits each image over the threads (`Conv2D+SmallBatch`):
/// output, ∂x, ∂W and ∂b must be bit-identical to one thread's, with channel counts that do not
/// divide evenly (F = 20: blocks 16 + 4; C = 12), and with C = 1 (R = 9, the short-reduction forward).
final class Conv2DSmallBatchTests: XCTestCase {
    private struct Pass: Equatable {
        var output: [Float], inputGradient: [Float], weightGradient: [Float], biasGradient: [Float]
        var inferenceOutput: [Float]
    }

    private func run(threads: Int, batch: Int, inputChannels C: Int = 12) -> Pass {
        let original = Parallel.threadCount
        Parallel.setThreadCount(threads)
        defer { Parallel.setThreadCount(original) }
        var generator = SeededGenerator(seed: 11)
        let conv = Conv2D(inputChannels: C, outputChannels: 20, kernelSize: 3, padding: 1, generator: &generator)
        let x = GradientCheck.randomTensor(Shape(batch, C, 9, 10), seed: 12)
        let y = conv.forward(x, mode: .training).array
        let dy = GradientCheck.randomTensor(Shape(batch, 20, 9, 10), seed: 13)
        let dx = conv.backward(dy, needsInputGradient: true)!.array
        let inference = conv.forward(x, mode: .inference).array
        return Pass(
            output: y, inputGradient: dx, weightGradient: conv.weight.gradient.array,
            biasGradient: conv.bias!.gradient.array, inferenceOutput: inference)
    }

    func testBatchBelowTheThreadCountMatchesOneThreadBitForBit() {
        let oneThread = run(threads: 1, batch: 1)
        for threads in [2, 3] {
            let split = run(threads: threads, batch: 1)
            XCTAssertEqual(split.output, oneThread.output, "\(threads) threads: output")
            XCTAssertEqual(split.inputGradient, oneThread.inputGradient, "\(threads) threads: ∂x")
            XCTAssertEqual(split.weightGradient, oneThread.weightGradient, "\(threads) threads: ∂W")
            XCTAssertEqual(split.biasGradient, oneThread.biasGradient, "\(threads) threads: ∂b")
            XCTAssertEqual(split.inferenceOutput, oneThread.inferenceOutput, "\(threads) threads: inference")
        }
        // Batch 2 on 3 threads splits too; on 1 thread it is the reference.
        XCTAssertEqual(run(threads: 3, batch: 2), run(threads: 1, batch: 2))
        // R = 9 (the short-reduction forward, split by blocks of 8 output channels).
        XCTAssertEqual(run(threads: 2, batch: 1, inputChannels: 1), run(threads: 1, batch: 1, inputChannels: 1))
    }
}
