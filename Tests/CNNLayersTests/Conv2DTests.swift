import CNNCore
import CNNLayers
import TestSupport
import XCTest

final class Conv2DTests: XCTestCase {
    /// Finite differences of ∂x, ∂weight, ∂bias at odd sizes, strides 1–2, padding 0–2, 1×1
    /// kernels (pointwise and strided), batch 1 and batches that split across threads, same-size
    /// stride-1 kernels (the fast im2col/col2im path) with F ≤ C and F > C, and R = C·K·K < 32 (the
    /// short-reduction kernels where AVX-512F is available).
    func testGradientsAtSeveralShapes() {
        let configurations: [(n: Int, c: Int, h: Int, w: Int, f: Int, k: Int, stride: Int, padding: Int, bias: Bool)] =
            [
                (2, 3, 5, 7, 4, 3, 1, 1, true),
                (1, 2, 7, 6, 3, 3, 2, 0, true),
                (2, 2, 6, 5, 3, 5, 1, 2, true),
                (3, 4, 3, 5, 3, 1, 1, 0, true),
                (1, 3, 9, 8, 2, 3, 2, 1, false),
                (3, 2, 5, 5, 2, 1, 2, 0, true),
                (1, 1, 4, 4, 2, 2, 1, 2, true),
                // F ≤ C at stride 1.
                (2, 4, 5, 7, 3, 3, 1, 1, true),
                (1, 3, 6, 5, 2, 5, 1, 2, false),
                (2, 3, 5, 4, 3, 3, 1, 0, true),
                // R = 18 < 32 (the short-reduction forward) at more than 16 positions per row.
                (2, 2, 24, 24, 12, 3, 1, 1, true)
            ]
        for (index, t) in configurations.enumerated() {
            var generator = SeededGenerator(seed: UInt64(index + 1))
            let conv = Conv2D(
                inputChannels: t.c, outputChannels: t.f, kernelSize: t.k, stride: t.stride,
                padding: t.padding, bias: t.bias, generator: &generator)
            let input = GradientCheck.randomTensor(Shape(t.n, t.c, t.h, t.w), seed: UInt64(100 + index))
            let result = GradientCheck.check(conv, input: input, samplesPerTensor: 40)
            XCTAssertGreaterThan(result.checked, 0, conv.summary)
        }
    }

    /// PyTorch nn.Conv2d: y, dx, dweight, dbias (numbers from scripts/golden/make_layers.py).
    func testMatchesPyTorch() throws {
        let cases: [(String, Int, Int, Int, Int, Int, Bool)] = [
            ("conv_k3_s1_p1", 3, 4, 3, 1, 1, true),
            ("conv_k3_s2_p0", 2, 3, 3, 2, 0, true),
            ("conv_k5_s1_p2", 2, 3, 5, 1, 2, true),
            ("conv_k1_s1_p0", 4, 3, 1, 1, 0, true),
            ("conv_k3_s2_p1_nobias", 3, 5, 3, 2, 1, false),
            ("conv_k2_s2_p0", 2, 2, 2, 2, 0, true),
            ("conv_k3_s1_p1_shrink", 4, 3, 3, 1, 1, true),
            ("conv_k5_s1_p2_shrink", 3, 2, 5, 1, 2, true),
            ("conv_k3_s1_p0_same", 3, 3, 3, 1, 0, true)
        ]
        for (name, c, f, k, stride, padding, bias) in cases {
            var generator = SeededGenerator(seed: 1)
            let conv = Conv2D(
                inputChannels: c, outputChannels: f, kernelSize: k, stride: stride, padding: padding,
                bias: bias, generator: &generator)
            try LayerGolden.check(conv, name)
        }
    }

    /// Without an input gradient, backward returns nil and the weight gradients are unchanged.
    func testNoInputGradientStillGivesWeightGradients() {
        for kernel in [3, 1] {
            var generator = SeededGenerator(seed: 3)
            let conv = Conv2D(
                inputChannels: 3, outputChannels: 4, kernelSize: kernel, padding: kernel / 2, generator: &generator)
            let input = GradientCheck.randomTensor(Shape(3, 3, 6, 5), seed: 4)
            let outputGradient = GradientCheck.randomTensor(conv.outputShape(for: input.shape), seed: 5)
            _ = conv.forward(input, mode: .training)
            XCTAssertNotNil(conv.backward(outputGradient, needsInputGradient: true))
            let expected = conv.namedParameters().map { $0.parameter.gradient.array }
            conv.zeroGradients()
            _ = conv.forward(input, mode: .training)
            XCTAssertNil(conv.backward(outputGradient, needsInputGradient: false))
            for (actual, expected) in zip(conv.namedParameters().map { $0.parameter.gradient.array }, expected) {
                XCTAssertEqual(actual, expected)
            }
        }
    }

    /// Parameter gradients accumulate (+=) over two backward passes, and a second backward gives
    /// the same input gradient.
    func testGradientsAccumulate() {
        var generator = SeededGenerator(seed: 6)
        let conv = Conv2D(
            inputChannels: 2, outputChannels: 3, kernelSize: 3, stride: 2, padding: 1, generator: &generator)
        let input = GradientCheck.randomTensor(Shape(4, 2, 7, 7), seed: 7)
        let outputGradient = GradientCheck.randomTensor(conv.outputShape(for: input.shape), seed: 8)
        _ = conv.forward(input, mode: .training)
        let firstInputGradient = conv.backward(outputGradient, needsInputGradient: true)!.array
        let firstWeightGradient = conv.weight.gradient.array
        _ = conv.forward(input, mode: .training)
        XCTAssertEqual(conv.backward(outputGradient, needsInputGradient: true)!.array, firstInputGradient)
        assertClose(conv.weight.gradient.array, firstWeightGradient.map { 2 * $0 }, "accumulated twice")
    }

    /// Inference gives the training output; a new batch size resizes the buffers.
    func testInferenceAndBatchResize() {
        var generator = SeededGenerator(seed: 9)
        let conv = Conv2D(inputChannels: 2, outputChannels: 3, kernelSize: 3, padding: 1, generator: &generator)
        let big = GradientCheck.randomTensor(Shape(5, 2, 6, 6), seed: 10)
        let training = conv.forward(big, mode: .training).array
        XCTAssertEqual(conv.forward(big, mode: .inference).array, training)
        let small = Tensor(shape: Shape(1, 2, 6, 6), values: Array(big.array.prefix(72)))
        XCTAssertEqual(conv.forward(small, mode: .inference).array, Array(training.prefix(3 * 36)))
    }

    func testSummaryShapesFLOPsAndValidation() {
        var generator = SeededGenerator(seed: 11)
        let conv = Conv2D(inputChannels: 32, outputChannels: 64, kernelSize: 3, padding: 1, generator: &generator)
        XCTAssertEqual(conv.summary, "conv 3×3 32→64 s1 p1")
        XCTAssertEqual(conv.namedParameters().map(\.name), ["weight", "bias"])
        XCTAssertEqual(conv.weight.value.shape, Shape(64, 32, 3, 3))
        XCTAssertEqual(conv.outputShape(for: Shape(8, 32, 14, 14)), Shape(8, 64, 14, 14))
        XCTAssertEqual(conv.forwardFLOPs(for: Shape(8, 32, 14, 14)), 2 * 64 * 32 * 9 * 196)
        // PyTorch's default init bound 1/√fanIn.
        let bound = 1 / Float(32 * 9).squareRoot()
        XCTAssertTrue(conv.weight.value.array.allSatisfy { abs($0) <= bound })
        XCTAssertThrowsError(try conv.validate(Shape(8, 3, 14, 14), mode: .training))
        XCTAssertNoThrow(try conv.validate(Shape(8, 32, 14, 14), mode: .training))
        let big = Conv2D(inputChannels: 1, outputChannels: 1, kernelSize: 5, generator: &generator)
        XCTAssertThrowsError(try big.validate(Shape(1, 1, 4, 4), mode: .training))
    }
}
