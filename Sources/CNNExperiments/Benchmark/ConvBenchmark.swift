import CNNCore
import CNNLayers

// Legend (this file): N = batch size, C = input channels, F = output channels, S = image side,
// P = S·S output positions (3×3, stride 1, pad 1), R = C·9 column rows.

/// Convolution kernel benchmark on the reference model's conv shapes (`cnntrain bench kernels`).
///
/// For each shape it reports, as medians of `repetitions` timed runs after one warm-up round:
/// the raw `BLAS.sgemm` rate on the equivalent whole-batch GEMM (M = F, N = N·P, K = R) with
/// OpenBLAS at `Parallel.threadCount` threads (the same core budget), then `Conv2D` forward and
/// backward (weight + input gradient; the first layer skips its input gradient and its FLOPs
/// count only the weight gradient) in GFLOP/s and as a percentage of raw. A second table compares
/// per-image GEMMs (as the conv runs them) with one whole-batch GEMM. (Earlier variants, columns
/// kept from forward and the input gradient as a flipped convolution, are in `Conv2D`'s history.)
public func convBenchmarkReport(batchSize: Int = 64, repetitions: Int = 5) -> String {
    let shapes = [(C: 1, F: 32, S: 28), (C: 32, F: 32, S: 28), (C: 32, F: 64, S: 14), (C: 64, F: 64, S: 14)]
    let threads = Parallel.threadCount, N = batchSize
    var generator = SeededGenerator(seed: 2024)
    // The yardstick: a large square sgemm with OpenBLAS at the whole thread budget.
    let square = 1024
    let sa = benchmarkTensor(Shape(square, square), &generator), sb = benchmarkTensor(Shape(square, square), &generator)
    let sc = Tensor(shape: Shape(square, square))
    BLAS.setThreadCount(threads)
    var squareTimes: [Double] = []
    for _ in 0...max(1, repetitions) {
        squareTimes.append(
            seconds {
                BLAS.sgemm(
                    transposeA: false, transposeB: false, m: square, n: square, k: square, alpha: 1, a: sa.data,
                    lda: square,
                    b: sb.data, ldb: square, beta: 0, c: sc.data, ldc: square)
            })
    }
    BLAS.setThreadCount(1)
    let squareRate = 2 * Double(square * square * square) / median(Array(squareTimes.dropFirst())) / 1e9  // 0: warm-up
    var table = """
        Conv kernels, batch \(N), \(threads) thread\(threads == 1 ? "" : "s"), OpenBLAS \(BLAS.coreName), \(ConvKernels.isAvailable ? "our AVX-512 conv kernels" : "im2col + OpenBLAS"), medians of \(repetitions)
        sgemm 1024³ (OpenBLAS, \(threads) thread\(threads == 1 ? "" : "s")): \(fixed(squareRate, digits: 1)) GFLOP/s

        | conv 3×3 p1 | GEMM M×N×K | raw sgemm GFLOP/s | forward GFLOP/s | backward GFLOP/s | forward % raw | backward % raw |
        | --- | --- | ---: | ---: | ---: | ---: | ---: |

        """
    var variants = """

        | conv 3×3 p1 | per-image GEMMs GFLOP/s (as used) | whole-batch GEMM GFLOP/s |
        | --- | ---: | ---: |

        """
    for (index, shape) in shapes.enumerated() {
        let (C, F, S) = shape
        let P = S * S, R = C * 9
        let conv = Conv2D(inputChannels: C, outputChannels: F, kernelSize: 3, padding: 1, generator: &generator)
        let input = benchmarkTensor(Shape(N, C, S, S), &generator)
        let outputGradient = benchmarkTensor(Shape(N, F, S, S), &generator)
        let needsInputGradient = index > 0
        let gemmFLOPs = 2 * Double(F) * Double(R) * Double(N * P)
        let forwardFLOPs = Double(conv.forwardFLOPs(for: input.shape) * N)
        let backwardFLOPs = forwardFLOPs * (needsInputGradient ? 2 : 1)

        // The variants are timed in turn within each repetition, so that load from other processes
        // on a shared machine falls on all columns alike; then each column's median is taken.
        let a = benchmarkTensor(Shape(F, R), &generator), b = benchmarkTensor(Shape(R, N * P), &generator)
        let c = Tensor(shape: Shape(F, N * P))
        var samples = [[Double]](repeating: [], count: 4)
        for repetition in 0...max(1, repetitions) {
            var times: [Double] = []
            // Raw: one whole-batch GEMM with OpenBLAS using the whole thread budget.
            BLAS.setThreadCount(threads)
            times.append(
                seconds {
                    BLAS.sgemm(
                        transposeA: false, transposeB: false, m: F, n: N * P, k: R, alpha: 1, a: a.data, lda: R,
                        b: b.data, ldb: N * P, beta: 0, c: c.data, ldc: N * P)
                })
            BLAS.setThreadCount(1)
            // Per-image GEMMs as the conv runs them: images split over threads, OpenBLAS at one thread.
            times.append(
                seconds {
                    let aData = a.data, bData = b.data, cData = c.data
                    Parallel.forEachChunk(N) { _, images in
                        for n in images {
                            BLAS.sgemm(
                                transposeA: false, transposeB: false, m: F, n: P, k: R, alpha: 1, a: aData, lda: R,
                                b: bData + n * R * P, ldb: P, beta: 0, c: cData + n * F * P, ldc: P)
                        }
                    }
                })
            times.append(seconds { _ = conv.forward(input, mode: .training) })
            times.append(seconds { _ = conv.backward(outputGradient, needsInputGradient: needsInputGradient) })
            // Repetition 0 is the warm-up.
            if repetition > 0 { for (column, time) in times.enumerated() { samples[column].append(time) } }
        }
        let medians = samples.map(median)
        let (raw, perImage, forward, backward) = (medians[0], medians[1], medians[2], medians[3])
        conv.zeroGradients()

        func rate(_ flops: Double, _ seconds: Double) -> Double { flops / seconds / 1e9 }
        let name = "\(C)→\(F), \(S)×\(S)"
        let rawRate = rate(gemmFLOPs, raw)
        table +=
            "| \(name) | \(F)×\(N * P)×\(R) | \(fixed(rawRate, digits: 1)) | \(fixed(rate(forwardFLOPs, forward), digits: 1)) | "
            + "\(fixed(rate(backwardFLOPs, backward), digits: 1))\(needsInputGradient ? "" : " (no ∂x)") | "
            + "\(fixed(100 * rate(forwardFLOPs, forward) / rawRate, digits: 0))% | \(fixed(100 * rate(backwardFLOPs, backward) / rawRate, digits: 0))% |\n"
        variants += "| \(name) | \(fixed(rate(gemmFLOPs, perImage), digits: 1)) | \(fixed(rawRate, digits: 1)) |\n"
    }
    return table + variants
}

private func benchmarkTensor(_ shape: Shape, _ generator: inout SeededGenerator) -> Tensor {
    let tensor = Tensor(shape: shape)
    for i in 0..<tensor.count { tensor[i] = generator.uniform(-1, 1) }
    return tensor
}
