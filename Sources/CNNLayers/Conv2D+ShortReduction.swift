import CNNCore

// Legend as in Conv2D.swift.

/// Convolutions with a short reduction, R = C·K·K < 32 (a first layer on one or three channels:
/// smallcnn's 1→32 3×3, R = 9), where `ConvKernels.shortGeometry` runs: the forward by the kernels
/// of `Sources/CKernels/conv_small_kernels.c`, one call per chunk of images, so that each
/// 16-position vector's gather plan serves all of them. A batch smaller than the thread count is
/// split by output channels (blocks of 8) instead. Backward is `backward`'s im2col + OpenBLAS.
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
}
