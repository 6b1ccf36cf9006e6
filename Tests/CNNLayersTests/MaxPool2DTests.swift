import CNNCore
import CNNLayers
import TestSupport
import XCTest

final class MaxPool2DTests: XCTestCase {
    /// Inputs with distinct, well-separated values, so no window has a tie within the FD step.
    func testGradients() {
        for (kernel, stride, padding, shape) in [
            (2, nil, 0, Shape(2, 3, 6, 5)), (3, 2, 1, Shape(1, 2, 7, 6)),
            (3, 1, 1, Shape(2, 1, 5, 5)), (2, 1, 0, Shape(1, 2, 3, 4))
        ] as [(Int, Int?, Int, Shape)] {
            let pool = MaxPool2D(kernelSize: kernel, stride: stride, padding: padding)
            GradientCheck.check(
                pool, input: kinkFreeTensor(shape, seed: UInt64(kernel * 10 + padding)), step: 1e-2,
                samplesPerTensor: 80)
        }
    }

    /// PyTorch nn.MaxPool2d (padding acts as −∞): numbers from scripts/golden/make_layers.py.
    func testMatchesPyTorch() throws {
        try LayerGolden.check(MaxPool2D(kernelSize: 2), "maxpool_k2_s2")
        try LayerGolden.check(MaxPool2D(kernelSize: 3, stride: 2, padding: 1), "maxpool_k3_s2_p1")
    }

    /// The vectorized 2×2 stride-2 path (8 or 4 outputs at a time, overlapping tails, scalar rows
    /// when OW < 4) against a direct reference, with ties (first maximum wins) and a NaN (it wins).
    /// Backward (8 outputs at a time, scalar when OW < 8) writes every input, including an odd last
    /// row and column.
    func testTwoByTwoPathMatchesReference() {
        for (height, width) in [(6, 40), (7, 22), (6, 16), (7, 14), (6, 9), (7, 6)] {
            let shape = Shape(2, 3, height, width)
            var generator = SeededGenerator(seed: UInt64(width))
            // Few distinct values, so many windows have ties.
            let input = Tensor(shape: shape, values: (0..<shape.count).map { _ in Float(Int(generator.next() % 4)) })
            input[17] = .nan
            let pool = MaxPool2D(kernelSize: 2)
            // A first pass on a larger even-sized input leaves values all over the reused buffers.
            let larger = GradientCheck.randomTensor(Shape(2, 3, height + 2, width + 2), seed: 5)
            let largerOutput = pool.forward(larger, mode: .training)
            _ = pool.backward(GradientCheck.randomTensor(largerOutput.shape, seed: 4), needsInputGradient: true)
            let output = pool.forward(input, mode: .training)
            let upstream = GradientCheck.randomTensor(output.shape, seed: 3)
            let gradient = pool.backward(upstream, needsInputGradient: true)!.array
            let OH = height / 2, OW = width / 2
            var expectedGradient = [Float](repeating: 0, count: shape.count)
            for plane in 0..<6 {
                for oy in 0..<OH {
                    for ox in 0..<OW {
                        var best = -Float.infinity, at = -1
                        for dy in 0..<2 {
                            for dx in 0..<2 {
                                let i = plane * height * width + (2 * oy + dy) * width + 2 * ox + dx
                                if at < 0 || input[i] > best || input[i].isNaN { best = input[i]; at = i }
                            }
                        }
                        let o = (plane * OH + oy) * OW + ox
                        if best.isNaN {
                            XCTAssertTrue(output[o].isNaN)
                        } else {
                            XCTAssertEqual(output[o], best, "width \(width) output \(o)")
                        }
                        expectedGradient[at] += upstream[o]
                    }
                }
            }
            XCTAssertEqual(gradient, expectedGradient, "width \(width)")
        }
    }

    /// An all-negative image with padding: the padding is never the maximum.
    func testPaddingIsNegativeInfinity() {
        let pool = MaxPool2D(kernelSize: 3, stride: 1, padding: 1)
        let input = Tensor(shape: Shape(1, 1, 2, 2), values: [-4, -3, -2, -1])
        XCTAssertEqual(pool.forward(input, mode: .training).array, [-1, -1, -1, -1])
        let gradient = pool.backward(Tensor(shape: Shape(1, 1, 2, 2), values: [1, 1, 1, 1]), needsInputGradient: true)!
        XCTAssertEqual(gradient.array, [0, 0, 0, 4])
    }

    func testShapesAndValidation() throws {
        let pool = MaxPool2D(kernelSize: 2)
        XCTAssertEqual(pool.stride, 2)
        XCTAssertEqual(pool.outputShape(for: Shape(4, 8, 7, 7)), Shape(4, 8, 3, 3))
        XCTAssertThrowsError(try MaxPool2D(kernelSize: 2, padding: 2).validate(Shape(1, 1, 8, 8), mode: .training))
        XCTAssertThrowsError(try pool.validate(Shape(1, 1, 1, 1), mode: .training))
        try pool.validate(Shape(1, 1, 2, 2), mode: .training)
    }
}
