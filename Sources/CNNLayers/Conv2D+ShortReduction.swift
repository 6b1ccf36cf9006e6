import CNNCore

// Legend as in Conv2D.swift.

/// Convolutions with a short reduction, R = C·K·K < 32 (a first layer on one or three channels:
/// smallcnn's 1→32 3×3, R = 9), where `ConvKernels.shortGeometry` runs: forward and ∂W/∂b by the
/// kernels of `Sources/CKernels/conv_small_kernels.c`, one call per chunk of images, so that each
/// 16-position vector's plan serves all of them. ∂x, when needed, stays in `backward`'s image loop.
/// A batch smaller than the thread count is split by output channels (blocks of 8) instead.
extension Conv2D {
    func forwardShort(
        _ x: UnsafePointer<Float>, sampleCount CHW: Int, _ short: ConvKernels.Geometry, weights w: UnsafePointer<Float>,
        bias b: UnsafePointer<Float>?, relu: Bool
    ) {
        let s = output.shape
        let N = s.batch, F = outputChannels, R = short.rows, P = s.height * s.width
        packedWeights.resize(to: Shape(ConvKernels.packedCount(outputs: F, rows: R)))
        ConvKernels.packWeights(w, outputs: F, rows: R, into: packedWeights.data)
        let scratchCount = ConvKernels.shortForwardScratchCount(short)
        panels.resize(to: Shape(Parallel.threadCount, scratchCount))
        let packed = packedWeights.data, y = output.data, scratch = panels.data
        if Self.splitsEachImage(N) {
            let times = ChunkTimes(chunks: Parallel.threadCount)
            Parallel.forEachChunk((F + 7) / 8) { chunk, blocks in
                times.chunk(chunk) {
                    times.time(chunk, .gemm) {
                        ConvKernels.shortForward(
                            x, count: N, short, packed: packed, outputCount: F,
                            outputs: Self.channels(ofBlocks: blocks, count: F), bias: b, relu: relu, out: y,
                            scratch: scratch + chunk * scratchCount)
                    }
                }
            }
            Profiler.current?.record(self, .forward, times)
            return
        }
        let times = ChunkTimes(chunks: Self.chunkCount(N))
        Parallel.forEachChunk(N) { chunk, images in
            times.chunk(chunk) {
                times.time(chunk, .gemm) {
                    ConvKernels.shortForward(
                        x + images.lowerBound * CHW, count: images.count, short, packed: packed, outputCount: F,
                        outputs: 0..<F, bias: b, relu: relu, out: y + images.lowerBound * F * P,
                        scratch: scratch + chunk * scratchCount)
                }
            }
        }
        Profiler.current?.record(self, .forward, times)
    }

    /// ∂W and ∂b (no ∂x: a first layer), with the fused ReLU's mask applied as ∂Y is loaded.
    func backwardShort(_ outputGradient: Tensor, _ short: ConvKernels.Geometry, fusedReLU: Bool) {
        guard let input else { preconditionFailure("\(summary): backward without a training-mode forward") }
        let N = input.shape.batch, F = outputChannels, CHW = input.shape.sampleCount
        let P = outputGradient.shape.height * outputGradient.shape.width
        let x = input.data, dy = outputGradient.data, y = fusedReLU ? UnsafePointer(output.data) : nil
        let scratchCount = ConvKernels.shortWeightScratchCount(short, outputs: F)
        panels.resize(to: Shape(Parallel.threadCount, scratchCount))
        let scratch = panels.data, dwPartials = weightPartials.data, dbPartials = biasPartials.data
        let R = short.rows, hasBias = bias != nil
        if Self.splitsEachImage(N) {  // each thread its own rows of partial 0
            dwPartials.update(repeating: 0, count: F * R)
            dbPartials.update(repeating: 0, count: F)
            let times = ChunkTimes(chunks: Parallel.threadCount)
            Parallel.forEachChunk((F + 7) / 8) { chunk, blocks in
                times.chunk(chunk) {
                    times.time(chunk, .gemm) {
                        ConvKernels.shortWeightGradient(
                            x, count: N, short, outputGradient: dy, reluOutput: y, outputCount: F,
                            outputs: Self.channels(ofBlocks: blocks, count: F),
                            scratch: scratch + chunk * scratchCount, weightGradient: dwPartials,
                            biasGradient: hasBias ? dbPartials : nil)
                    }
                }
            }
            Profiler.current?.record(self, .backward, times)
            reducePartials(chunks: 1, transposed: false)
            return
        }
        let chunks = Self.chunkCount(N)
        let times = ChunkTimes(chunks: chunks)
        Parallel.forEachChunk(N) { chunk, images in
            times.chunk(chunk) {
                let dw = dwPartials + chunk * F * R, db = dbPartials + chunk * F
                dw.update(repeating: 0, count: F * R)
                db.update(repeating: 0, count: F)
                times.time(chunk, .gemm) {
                    ConvKernels.shortWeightGradient(
                        x + images.lowerBound * CHW, count: images.count, short,
                        outputGradient: dy + images.lowerBound * F * P,
                        reluOutput: y.map { $0 + images.lowerBound * F * P }, outputCount: F, outputs: 0..<F,
                        scratch: scratch + chunk * scratchCount, weightGradient: dw, biasGradient: hasBias ? db : nil)
                }
            }
        }
        Profiler.current?.record(self, .backward, times)
        reducePartials(chunks: chunks, transposed: false)
    }
}
