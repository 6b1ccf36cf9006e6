import CNNCore
import TestSupport
import XCTest

/// The AVX-512 convolution kernels (`ConvKernels`) against im2col + the naive GEMM: forward with
/// and without bias, the weight gradient, and the input gradient as a convolution with the flipped,
/// transposed weights (then compared with GEMMᵀ + col2im). Skipped on CPUs without AVX-512F.
final class ConvKernelsTests: XCTestCase {
    func testKernelsMatchIm2colAndReferenceGEMM() throws {
        try XCTSkipUnless(
            ConvKernels.isAvailable,
            "no AVX-512F here (or CNNTRAIN_KERNELS=reference): the engine runs im2col + OpenBLAS")
        // (C, H, W, F, K, padding): tails in F (not a multiple of 8) and P (not a multiple of 32;
        // a last tile of ≤ 16 positions runs the one-vector kernel: P = 784, 196, 15, 1; of more:
        // 63, 182, 60, 30), rows shorter and longer than a 16-lane vector, a 1×1 output, padding 0 to 2.
        let shapes: [(c: Int, h: Int, w: Int, f: Int, k: Int, pad: Int)] = [
            (32, 28, 28, 32, 3, 1), (32, 14, 14, 64, 3, 1), (5, 7, 9, 11, 3, 1), (4, 3, 17, 9, 3, 0),
            (2, 14, 13, 17, 5, 2), (8, 1, 1, 3, 3, 1), (16, 2, 30, 8, 3, 1), (4, 6, 5, 40, 3, 1)
        ]
        for (index, s) in shapes.enumerated() {
            let g = ConvGeometry(
                channels: s.c, height: s.h, width: s.w, kernelHeight: s.k, kernelWidth: s.k, stride: 1, padding: s.pad)
            let name = "C\(s.c) \(s.h)×\(s.w) F\(s.f) K\(s.k) p\(s.pad)"
            let R = g.columnRows, P = g.columnCount, F = s.f
            guard let kernel = ConvKernels.geometry(g) else { XCTFail("\(name): not handled"); continue }
            let image = GradientCheck.randomTensor(Shape(s.c, s.h, s.w), seed: UInt64(10 + index))
            let weights = GradientCheck.randomTensor(Shape(F, R), seed: UInt64(30 + index))
            let bias = GradientCheck.randomTensor(Shape(F), seed: UInt64(50 + index))
            let dy = GradientCheck.randomTensor(Shape(F, P), seed: UInt64(70 + index))
            let columns = Tensor(shape: Shape(R, P))
            im2col(image.data, g, columns.data)
            let panel = Tensor(
                shape: Shape(
                    max(ConvKernels.panelCount(rows: max(R, F * s.k * s.k)), ConvKernels.weightScratchCount(kernel))))

            // Forward.
            let packed = Tensor(shape: Shape(ConvKernels.packedCount(outputs: F, rows: R)))
            ConvKernels.packWeights(weights.data, outputs: F, inputs: s.c, taps: s.k * s.k, into: packed.data)
            let expected = Tensor(shape: Shape(F, P)), got = Tensor(shape: Shape(F, P))
            BLAS.sgemmReference(
                transposeA: false, transposeB: false, m: F, n: P, k: R, alpha: 1, a: weights.data, lda: R,
                b: columns.data, ldb: P, beta: 0, c: expected.data, ldc: P)
            for (withBias, relu) in [(false, false), (true, false), (true, true)] {
                ConvKernels.forward(
                    image.data, kernel, packed: packed.data, outputs: F,
                    bias: withBias ? UnsafePointer(bias.data) : nil, relu: relu,
                    out: got.data, panel: panel.data)
                for f in 0..<F {
                    for p in 0..<P {
                        let sum = expected[f * P + p] + (withBias ? bias[f] : 0)
                        let want = relu ? max(sum, 0) : sum
                        XCTAssertEqual(
                            got[f * P + p], want, accuracy: 1e-4 * max(1, abs(want)),
                            "\(name) forward bias \(withBias) relu \(relu) f \(f) p \(p)")
                    }
                }
            }

            // Weight gradient, accumulated transposed: (R, F) += columns × ∂Yᵀ, twice.
            let dwExpected = Tensor(shape: Shape(F, R)), accT = Tensor(shape: Shape(R, F)),
                dyT = Tensor(shape: Shape(P, F))
            BLAS.sgemmReference(
                transposeA: false, transposeB: true, m: F, n: R, k: P, alpha: 1, a: dy.data, lda: P,
                b: columns.data, ldb: P, beta: 0, c: dwExpected.data, ldc: R)
            for _ in 0..<2 {
                ConvKernels.weightGradient(
                    image.data, kernel, outputGradient: dy.data, outputs: F, transposedScratch: dyT.data,
                    panel: panel.data, accumulator: accT.data)
            }
            for f in 0..<F {
                for r in 0..<R {
                    let want = 2 * dwExpected[f * R + r]
                    XCTAssertEqual(
                        accT[r * F + f], want, accuracy: 1e-4 * max(1, abs(want)), "\(name) ∂W f \(f) r \(r)")
                }
            }

            // Input gradient: GEMMᵀ + col2im against the transposed convolution.
            guard let transposed = ConvKernels.transposedGeometry(g, outputChannels: F) else { continue }
            let dcolumns = Tensor(shape: Shape(R, P)), dxExpected = Tensor(shape: image.shape),
                dx = Tensor(shape: image.shape)
            BLAS.sgemmReference(
                transposeA: true, transposeB: false, m: R, n: P, k: F, alpha: 1, a: weights.data, lda: R,
                b: dy.data, ldb: P, beta: 0, c: dcolumns.data, ldc: P)
            col2im(dcolumns.data, g, dxExpected.data)
            let packedT = Tensor(shape: Shape(ConvKernels.packedCount(outputs: s.c, rows: transposed.rows)))
            ConvKernels.packTransposedWeights(
                weights.data, outputs: F, inputs: s.c, kernelHeight: s.k, kernelWidth: s.k, into: packedT.data)
            ConvKernels.forward(
                dy.data, transposed, packed: packedT.data, outputs: s.c, bias: nil, out: dx.data, panel: panel.data)
            for i in 0..<dx.count {
                XCTAssertEqual(dx[i], dxExpected[i], accuracy: 1e-4 * max(1, abs(dxExpected[i])), "\(name) ∂x \(i)")
            }
        }
    }

    /// The short-reduction forward (R < 32) against im2col + the naive GEMM, two images per call
    /// (the plans shared): with and without bias and ReLU, and an output-channel range (a batch
    /// split over threads). Tails: P not a multiple of 16 (576 = 36·16 is), F not a multiple of 8 or
    /// odd, R = 9, 25, 27, 18, 1, padding 0 to 2, a 1×1 output.
    func testShortReductionKernelsMatchIm2colAndReferenceGEMM() throws {
        try XCTSkipUnless(ConvKernels.isAvailable, "no AVX-512F here: the engine runs im2col + OpenBLAS")
        let shapes: [(c: Int, h: Int, w: Int, f: Int, k: Int, pad: Int)] = [
            (1, 28, 28, 32, 3, 1), (1, 28, 28, 6, 5, 0), (3, 9, 11, 20, 3, 1), (1, 5, 7, 13, 5, 2),
            (1, 3, 3, 5, 3, 0), (2, 4, 30, 17, 3, 1), (1, 7, 5, 9, 1, 0), (3, 32, 32, 40, 3, 1)
        ]
        let count = 2
        for (index, s) in shapes.enumerated() {
            let g = ConvGeometry(
                channels: s.c, height: s.h, width: s.w, kernelHeight: s.k, kernelWidth: s.k, stride: 1, padding: s.pad)
            let name = "short C\(s.c) \(s.h)×\(s.w) F\(s.f) K\(s.k) p\(s.pad)"
            let R = g.columnRows, P = g.columnCount, F = s.f, CHW = s.c * s.h * s.w
            XCTAssertNil(ConvKernels.geometry(g), "\(name): R < 32 is not the 8×32 kernels'")
            guard let short = ConvKernels.shortGeometry(g) else { XCTFail("\(name): not handled"); continue }
            let images = GradientCheck.randomTensor(Shape(count, s.c, s.h, s.w), seed: UInt64(110 + index))
            let weights = GradientCheck.randomTensor(Shape(F, R), seed: UInt64(130 + index))
            let bias = GradientCheck.randomTensor(Shape(F), seed: UInt64(150 + index))
            let packed = Tensor(shape: Shape(ConvKernels.packedCount(outputs: F, rows: R)))
            ConvKernels.packWeights(weights.data, outputs: F, rows: R, into: packed.data)
            // Reference: per image, columns and the GEMM.
            let columns = Tensor(shape: Shape(count, R, P)), expected = Tensor(shape: Shape(count, F, P))
            for n in 0..<count {
                im2col(images.data + n * CHW, g, columns.data + n * R * P)
                BLAS.sgemmReference(
                    transposeA: false, transposeB: false, m: F, n: P, k: R, alpha: 1, a: weights.data, lda: R,
                    b: columns.data + n * R * P, ldb: P, beta: 0, c: expected.data + n * F * P, ldc: P)
            }

            let got = Tensor(shape: Shape(count, F, P))
            let plans = Tensor(shape: Shape(ConvKernels.shortForwardScratchCount(short)))
            for (withBias, relu, first) in [(false, false, 0), (true, false, 0), (true, true, 0), (true, true, 8)] {
                guard first < F else { continue }
                got.data.update(repeating: -7, count: got.count)
                ConvKernels.shortForward(
                    images.data, count: count, short, packed: packed.data, outputCount: F, outputs: first..<F,
                    bias: withBias ? UnsafePointer(bias.data) : nil, relu: relu, out: got.data, scratch: plans.data)
                for n in 0..<count {
                    for f in 0..<F {
                        for p in 0..<P {
                            let i = (n * F + f) * P + p
                            let sum = expected[i] + (withBias ? bias[f] : 0)
                            let want = f < first ? -7 : relu ? max(sum, 0) : sum
                            XCTAssertEqual(
                                got[i], want, accuracy: 1e-4 * max(1, abs(want)),
                                "\(name) forward bias \(withBias) relu \(relu) from \(first) n \(n) f \(f) p \(p)")
                        }
                    }
                }
            }
        }
    }

    /// Several images per call (`forward(images:)`): when an image's last tile is short (P mod 32
    /// ≤ 8), the tails of `tailGroup` consecutive images share one vector. The outputs must be
    /// those of one call per image, bit for bit, for whole groups and for the images left over.
    func testSeveralImagesPerCallMatchOneAtATimeBitForBit() throws {
        try XCTSkipUnless(ConvKernels.isAvailable, "no AVX-512F here: the engine runs im2col + OpenBLAS")
        // (C, H, W, F, K, padding, images per shared vector): 14×14 (196 = 6·32 + 4), 6×6 (36),
        // 2×3 (6), 1×1 outputs, a one-column image (3 rows), and 28×28 (784: no short tail).
        let shapes: [(c: Int, h: Int, w: Int, f: Int, k: Int, pad: Int, group: Int)] = [
            (32, 14, 14, 20, 3, 1, 4), (8, 6, 6, 12, 3, 1, 4), (8, 2, 3, 9, 3, 1, 2), (32, 1, 1, 8, 1, 0, 16),
            (32, 3, 1, 10, 1, 0, 5), (32, 28, 28, 16, 3, 1, 1)
        ]
        for (index, s) in shapes.enumerated() {
            let g = ConvGeometry(
                channels: s.c, height: s.h, width: s.w, kernelHeight: s.k, kernelWidth: s.k, stride: 1, padding: s.pad)
            let name = "C\(s.c) \(s.h)×\(s.w) F\(s.f) K\(s.k) p\(s.pad)"
            guard let kernel = ConvKernels.geometry(g) else { XCTFail("\(name): not handled"); continue }
            XCTAssertEqual(ConvKernels.tailGroup(kernel), s.group, "\(name): images per shared vector")
            let R = g.columnRows, P = g.columnCount, F = s.f, CHW = s.c * s.h * s.w
            let count = min(2 * s.group + 1, 33)  // two whole groups and one image left over
            let images = GradientCheck.randomTensor(Shape(count, s.c, s.h, s.w), seed: UInt64(210 + index))
            let weights = GradientCheck.randomTensor(Shape(F, R), seed: UInt64(230 + index))
            let bias = GradientCheck.randomTensor(Shape(F), seed: UInt64(250 + index))
            let packed = Tensor(shape: Shape(ConvKernels.packedCount(outputs: F, rows: R)))
            ConvKernels.packWeights(weights.data, outputs: F, inputs: s.c, taps: s.k * s.k, into: packed.data)
            let panel = Tensor(shape: Shape(ConvKernels.panelCount(rows: R)))
            for relu in [false, true] {
                let oneByOne = Tensor(shape: Shape(count, F, P)), together = Tensor(shape: Shape(count, F, P))
                together.data.update(repeating: .nan, count: together.count)
                for n in 0..<count {
                    ConvKernels.forward(
                        images.data + n * CHW, kernel, packed: packed.data, outputs: F, bias: bias.data, relu: relu,
                        out: oneByOne.data + n * F * P, panel: panel.data)
                }
                ConvKernels.forward(
                    images: images.data, count: count, kernel, packed: packed.data, outputs: F, bias: bias.data,
                    relu: relu, out: together.data, panel: panel.data)
                XCTAssertEqual(together.array, oneByOne.array, "\(name) relu \(relu)")
            }
        }
    }

    /// Geometries the 8×32 kernels leave to others: stride 2 (im2col + OpenBLAS), R < 32 (the
    /// short-reduction forward).
    func testUnsupportedGeometriesFallBack() {
        let strided = ConvGeometry(
            channels: 32, height: 8, width: 8, kernelHeight: 3, kernelWidth: 3, stride: 2, padding: 1)
        XCTAssertNil(ConvKernels.geometry(strided))
        let thin = ConvGeometry(
            channels: 1, height: 28, width: 28, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1)
        XCTAssertNil(ConvKernels.geometry(thin))
        XCTAssertNil(ConvKernels.shortGeometry(strided), "stride 2")
        XCTAssertNotNil(ConvKernels.shortGeometry(thin), "R = 9: the short-reduction kernels'")
    }
}
