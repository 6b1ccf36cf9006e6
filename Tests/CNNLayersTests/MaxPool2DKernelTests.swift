import CNNCore
import CNNLayers
import TestSupport
import XCTest

/// The AVX-512 2×2 pooling kernels (`PoolKernels`) against MaxPool2D's Swift loops, bit for bit:
/// outputs, argmax indices (through the gradient they route), and the input gradient with and
/// without the ReLU in front fused into the backward.
final class MaxPool2DKernelTests: XCTestCase {
    func testKernelsMatchSwiftLoopsBitForBit() throws {
        try XCTSkipUnless(ConvKernels.isAvailable, "no AVX-512F here: MaxPool2D runs its Swift loops only")
        // Widths cover one partial vector (OW < 16), a full one, two (OW = 17, 32), odd sizes
        // (a last row / column in no window) and the 1-wide output.
        for (height, width) in [(28, 28), (14, 14), (7, 7), (5, 9), (3, 3), (2, 2), (33, 35), (4, 64), (6, 3)] {
            let shape = Shape(3, 5, height, width)
            var generator = SeededGenerator(seed: UInt64(height * 100 + width))
            // Few distinct values (many ties), negatives, −0, NaNs and infinities.
            let palette: [Float] = [-2, -1, -0.0, 0, 1, 3, .nan, -.infinity, .infinity]
            let input = Tensor(
                shape: shape, values: (0..<shape.count).map { _ in palette[Int(generator.next() % 9)] })
            let kernel = MaxPool2D(kernelSize: 2), loops = MaxPool2D(kernelSize: 2)
            loops.usesKernels = false
            let fast = kernel.forward(input, mode: .training).array
            let reference = loops.forward(input, mode: .training).array
            assertSameBits(fast, reference, "\(height)×\(width) forward")
            // Gradients with −0 and NaN: every value is routed to its window's argmax.
            let outputShape = kernel.outputShape(for: shape)
            var values = GradientCheck.randomTensor(outputShape, seed: 7).array
            values[0] = -0.0
            values[values.count - 1] = .nan
            let upstream = Tensor(shape: outputShape, values: values)
            let fastGradient = kernel.backward(upstream, needsInputGradient: true)!.array
            let referenceGradient = loops.backward(upstream, needsInputGradient: true)!.array
            assertSameBits(fastGradient, referenceGradient, "\(height)×\(width) backward")
            let fastThroughReLU = kernel.backwardThroughPrecedingReLU(upstream).array
            let referenceThroughReLU = loops.backwardThroughPrecedingReLU(upstream).array
            assertSameBits(fastThroughReLU, referenceThroughReLU, "\(height)×\(width) backward through the ReLU")
        }
    }

    /// Fails at the first differing value (its index and both bit patterns), not with whole arrays.
    private func assertSameBits(
        _ actual: [Float], _ expected: [Float], _ what: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        guard actual.count == expected.count else {
            return XCTFail("\(what): \(actual.count) values, expected \(expected.count)", file: file, line: line)
        }
        if let i = actual.indices.first(where: { i in actual[i].bitPattern != expected[i].bitPattern }) {
            XCTFail(
                "\(what): value \(i) is \(actual[i]) (0x\(String(actual[i].bitPattern, radix: 16))), expected "
                    + "\(expected[i]) (0x\(String(expected[i].bitPattern, radix: 16)))", file: file, line: line)
        }
    }
}
