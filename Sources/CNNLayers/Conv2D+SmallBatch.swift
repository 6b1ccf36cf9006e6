import CNNCore

// Legend as in Conv2D.swift.

/// A batch smaller than the thread count (batch 1 on two cores): whole images per thread would
/// leave threads idle, so each image is split over the threads instead — forward and ∂x by output
/// channels (blocks of 8), ∂W by input channels (each thread its own rows of ∂Wᵀ). Every output
/// element is computed as in the one-thread path, so the results are those of `--threads 1`.
/// Only where our kernels run (stride 1, C·K·K ≥ 32); elsewhere the batch splits by images as before.
extension Conv2D {
    static func splitsEachImage(_ batch: Int) -> Bool { batch < Parallel.threadCount }

    /// The channels of a chunk of 8-channel blocks, the last block cut at `count`.
    static func channels(ofBlocks blocks: Range<Int>, count: Int) -> Range<Int> {
        (blocks.lowerBound * 8)..<min(count, blocks.upperBound * 8)
    }

    func forwardSplittingImages(
        _ x: UnsafePointer<Float>, sampleCount CHW: Int, _ kernel: ConvKernels.Geometry, packed: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?, relu: Bool, out y: UnsafeMutablePointer<Float>,
        panel: UnsafeMutablePointer<Float>, panelCount: Int
    ) {
        let s = output.shape
        let N = s.batch, F = outputChannels, P = s.height * s.width
        let times = ChunkTimes(chunks: Parallel.threadCount)
        for n in 0..<N {
            Parallel.forEachChunk((F + 7) / 8) { chunk, blocks in
                times.chunk(chunk) {
                    times.time(chunk, .gemm) {
                        ConvKernels.forward(
                            x + n * CHW, kernel, packed: packed,
                            outputs: Self.channels(ofBlocks: blocks, count: F),
                            bias: bias, relu: relu, out: y + n * F * P, panel: panel + chunk * panelCount)
                    }
                }
            }
        }
        Profiler.current?.record(self, .forward, times)
    }

    /// ∂W (and ∂b) into the first partial, ∂x into `inputGradient` when `transposed` is given.
    func backwardSplittingImages(
        _ outputGradient: Tensor, _ kernel: ConvKernels.Geometry, transposed: ConvKernels.Geometry?, panelCount: Int,
        fusedReLU: Bool
    ) {
        guard let input else { preconditionFailure("\(summary): backward without a training-mode forward") }
        let N = input.shape.batch, C = inputChannels, F = outputChannels, CHW = input.shape.sampleCount
        let P = outputGradient.shape.height * outputGradient.shape.width
        let x = input.data, dy = outputGradient.data, dx = inputGradient.data
        let packed = packedWeights.data, panel = panels.data, dyT = transposedGradients.data
        let dw = weightPartials.data, db = biasPartials.data  // partial 0: (R, F) and (F)
        dw.update(repeating: 0, count: weight.value.count)
        db.update(repeating: 0, count: F)
        let times = ChunkTimes(chunks: Parallel.threadCount)
        for n in 0..<N {
            let image = x + n * CHW
            let dyImage = fusedReLU ? maskedGradients.data : dy + n * F * P
            if fusedReLU {  // masked once per image, before the threads split it (a few µs at batch 1)
                let y = output.data + n * F * P
                times.time(0, .activation) {
                    Self.maskReLUGradient(dy + n * F * P, output: y, count: F * P, into: dyImage)
                }
            }
            Parallel.forEachChunk(C) { chunk, channels in
                times.chunk(chunk) {
                    times.time(chunk, .gemm) {
                        ConvKernels.weightGradient(
                            image, kernel, outputGradient: dyImage, outputs: F, channels: channels,
                            transposedScratch: dyT + chunk * P * F, panel: panel + chunk * panelCount, accumulator: dw)
                    }
                }
            }
            if bias != nil {
                for f in 0..<F { db[f] += sum(dyImage + f * P, count: P) }
            }
            guard let transposed else { continue }
            Parallel.forEachChunk((C + 7) / 8) { chunk, blocks in
                times.chunk(chunk) {
                    times.time(chunk, .gemm) {
                        ConvKernels.forward(
                            dyImage, transposed, packed: packed,
                            outputs: Self.channels(ofBlocks: blocks, count: C),
                            bias: nil, out: dx + n * CHW, panel: panel + chunk * panelCount)
                    }
                }
            }
        }
        Profiler.current?.record(self, .backward, times)
        reducePartials(chunks: 1, transposed: true)
    }
}
