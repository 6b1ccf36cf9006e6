import CNNCore

// Legend (this file): N = batch size, C = input channels, H, W = input height and width,
// F = output channels (filters), K = kernel size (K×K), OH, OW = output height and width,
// P = OH·OW output positions of one image, R = C·K·K rows of one image's column matrix.

/// 2-D convolution over NCHW tensors, as `torch.nn.Conv2d` with a square kernel (no dilation, no
/// groups).
///
/// Forward, per image: im2col (C, H, W) → columns (R, P), then one GEMM
/// weight (F, R) × columns (R, P) → output (F, P), which is already the image's NCHW output.
/// A 1×1 stride-1 pad-0 kernel uses the image itself as its column matrix.
/// Backward, per image: ∂W (F, R) += ∂Y (F, P) × columnsᵀ; ∂columns (R, P) = Wᵀ × ∂Y, then col2im.
/// Images are split over `Parallel.threadCount` chunks (OpenBLAS at one thread); each chunk
/// accumulates its own partial ∂W and ∂b, reduced in chunk order, so a given thread count always
/// gives the same bits.
///
/// History (measured with `cnntrain bench kernels`, medians, 2 threads, SkylakeX):
/// version 2 kept a training forward's columns for backward (2–3% faster, ~100 MB at batch 64);
/// version 3 computed the stride-1 input gradient as a convolution with flipped weights when F ≤ C
/// (32→32 at 28×28 backward 14.5 → 11.7 ms). Version 4 (this one): im2col/col2im of same-size
/// stride-1 kernels copy one shifted plane per row (`ConvGeometry.isSameSizeStrideOne`); with those
/// fast, recomputing the columns beats keeping them (the image's columns are still in cache for the
/// weight-gradient GEMM; 32→32 forward + backward 25.9 → 24.0 ms) and GEMM + col2im beats the
/// flipped convolution (16.8 → 16.1 ms), so both were removed.
/// Per-image GEMMs were kept over one whole-batch GEMM (equal or faster, no transposition to NCHW).
/// Version 5 (this one, where `ConvKernels` runs: AVX-512F, stride 1, R ≥ 32): our own kernels with
/// im2col inside the GEMM's packing for all three products: forward; ∂W accumulated transposed per
/// chunk (R, F); ∂x as the convolution of ∂Y with the flipped, transposed weights (no col2im).
/// Measured on AMD EPYC Zen 4, one thread, CPU time per image (C harness, batch 16): 32→32 at 28×28
/// forward 83 GFLOP/s OpenBLAS GEMM alone (im2col not counted) vs 88 with packing, ∂W 78 vs 78, ∂x
/// 91 with no col2im; `bench train --norm group --threads 1 --profile` (loaded machine):
/// im2col/col2im 13.0% → 0.1% of the step, 614 → 652 training images per CPU-second.
/// Elsewhere version 4 runs unchanged.
/// Version 6 (session 5): ∂W without a panel, its micro-kernel reading a zero-padded copy of the
/// image, and ∂Yᵀ by register transposes (∂W 75–80 → 100 GFLOP/s one thread, level with the
/// forward; `scripts/bench/conv_kernels.sh`); a fused epilogue (`Conv2D+Fusion.swift`: ReLU on the store, BatchNorm folded in
/// inference); a batch below the thread count split inside each image (`Conv2D+SmallBatch.swift`).
/// Version 7 (session 6): the backward of a ReLU fused after the conv runs inside the conv's
/// (`ReLUBackwardFusing`): each image's masked ∂Y goes to a per-chunk F·P buffer that the products
/// read from L2, instead of a whole-batch pass by the ReLU layer. `bench train --norm none
/// --profile`, 2 threads, old/new alternating, 3 rounds (machine loaded by another build, noisy):
/// relu backward rows (layer 1: 1.23–1.43 ms, layer 6: 0.89–1.54) gone, conv backward of layers
/// 0 and 5 up 0.3–0.6 and 0.2–0.5 ms, step 90.5–91.6 → 88.0–91.2 ms, 694–720 → 704–729 training
/// images per CPU-second.
/// Version 8 (session 6, `Conv2D+ShortReduction.swift`): R = C·K·K < 32 (first layers) runs the
/// short-reduction kernels (`conv_small_kernels.c`) instead of im2col + OpenBLAS + a bias pass.
/// Forward, `scripts/bench/conv_kernels_short.sh` (one thread, GFLOP/s, cached batch 32 / DRAM
/// batch 256): 1→32 3×3 at 28×28 56–57 / 33–35 → 64–66 / 50–51, lenet's 1→6 5×5 33 / 32 → 37 / 37,
/// 3→32 3×3 at 32×32 72–75 / 63–67 → 80–82 / 76; `bench train --norm none --profile` layer 0
/// forward 0.82–0.94 → 0.55–0.67 ms (1 thread), 1.23–1.36 → 0.75–1.11 ms (2 threads), loaded machine.
/// Its ∂W stays im2col + OpenBLAS: a short-reduction ∂W kernel was faster in the C harness only
/// while ∂Y was cached, and not in the engine (figures in `conv_small_kernels.c`).
public final class Conv2D: Layer {
    public let inputChannels: Int
    public let outputChannels: Int
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int
    /// (F, C, K, K); state_dict name "weight".
    public let weight: Parameter
    /// (F); state_dict name "bias". `nil` when built with `bias: false` (a norm follows the conv).
    public let bias: Parameter?

    let output = Tensor(shape: Shape(0))  // (N, F, OH, OW)
    let inputGradient = Tensor(shape: Shape(0))  // (N, C, H, W)
    let scratch = Tensor(shape: Shape(0))  // (chunks, R, P) per-chunk columns / ∂columns
    let weightPartials = Tensor(shape: Shape(0))  // (chunks, F, R)
    let biasPartials = Tensor(shape: Shape(0))  // (chunks, F)
    let packedWeights = Tensor(shape: Shape(0))  // ConvKernels: W packed for forward, or Wᵀ flipped for ∂x
    let panels = Tensor(shape: Shape(0))  // ConvKernels: (chunks, R·32) column panels
    let transposedGradients = Tensor(shape: Shape(0))  // ConvKernels: (chunks, P, F) ∂Yᵀ
    let maskedGradients = Tensor(shape: Shape(0))  // fused ReLU backward: (chunks, F, P), one image each
    let foldedWeights = Tensor(shape: Shape(0))  // fused inference: (F, R) weights × epilogue scale
    let foldedBias = Tensor(shape: Shape(0))  // fused inference: (F) bias × scale + shift
    var input: Tensor?  // (N, C, H, W) of the last training forward
    var geometry: ConvGeometry?

    /// PyTorch's default initialization: weight and bias U(−1/√fanIn, 1/√fanIn), fanIn = C·K·K,
    /// weight drawn first.
    /// - Precondition: positive channel counts, kernel size and stride; padding ≥ 0.
    public init(
        inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
        bias: Bool = true, generator: inout SeededGenerator
    ) {
        precondition(inputChannels >= 1 && outputChannels >= 1, "conv needs at least one input and output channel")
        precondition(kernelSize >= 1 && stride >= 1 && padding >= 0, "conv needs kernel ≥ 1, stride ≥ 1, padding ≥ 0")
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        (weight, self.bias) = Initialization.weightAndBias(
            weightShape: Shape(outputChannels, inputChannels, kernelSize, kernelSize),
            fanIn: inputChannels * kernelSize * kernelSize, bias: bias, generator: &generator)
    }

    public var summary: String {
        "conv \(kernelSize)×\(kernelSize) \(inputChannels)→\(outputChannels) s\(stride) p\(padding)"
            + (bias == nil ? " no-bias" : "")
    }

    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    private func geometry(for input: Shape) -> ConvGeometry {
        ConvGeometry(
            channels: inputChannels, height: input.height, width: input.width, kernelHeight: kernelSize,
            kernelWidth: kernelSize, stride: stride, padding: padding)
    }

    public func outputShape(for input: Shape) -> Shape {
        let g = geometry(for: input)
        return Shape(input.batch, outputChannels, g.outputHeight, g.outputWidth)
    }

    public func validate(_ input: Shape, mode: Mode) throws {
        guard input.rank == 4, input.channels == inputChannels else {
            throw LayerError("\(summary) needs input (N, \(inputChannels), H, W), got \(input)")
        }
        guard input.height + 2 * padding >= kernelSize, input.width + 2 * padding >= kernelSize else {
            throw LayerError(
                "\(summary) needs an input of at least \(kernelSize - 2 * padding)×\(kernelSize - 2 * padding) pixels, got \(input.height)×\(input.width)"
            )
        }
    }

    /// 2·F·R·P per sample (multiply and add; the bias add is not counted).
    public func forwardFLOPs(for input: Shape) -> Int {
        let g = geometry(for: input)
        return 2 * outputChannels * g.columnRows * g.columnCount
    }

    static func chunkCount(_ batch: Int) -> Int { max(1, min(Parallel.threadCount, batch)) }

    public func forward(_ input: Tensor, mode: Mode) -> Tensor { forward(input, mode: mode, epilogue: nil) }

    /// The forward pass with a fused `epilogue` (`Sequential` does it for conv → BatchNorm → ReLU in
    /// inference, conv → ReLU in both modes): the scale multiplies the weights before packing, the
    /// shift and the conv's own bias are added and the ReLU applied as each output tile is stored.
    func forward(_ input: Tensor, mode: Mode, epilogue: ConvEpilogue?) -> Tensor {
        let s = input.shape
        precondition(
            s.rank == 4 && s.channels == inputChannels, "\(summary) needs input (N, \(inputChannels), H, W), got \(s)")
        precondition(
            mode == .inference || (epilogue?.scale == nil && epilogue?.shift == nil),
            "\(summary): a folded scale and shift are for inference only")
        let g = geometry(for: s)
        precondition(g.outputHeight >= 1 && g.outputWidth >= 1, "\(summary): input \(s) is smaller than the kernel")
        let N = s.batch, F = outputChannels, R = g.columnRows, P = g.columnCount, CHW = s.sampleCount
        output.resize(to: Shape(N, F, g.outputHeight, g.outputWidth))
        let pointwise = g.isPointwise
        geometry = g
        self.input = mode == .training ? input : nil

        let folded = epilogue.map { fold($0) }
        let x = input.data, y = output.data
        let w = folded?.weights ?? weight.value.data, b = folded?.bias ?? bias?.value.data
        let relu = epilogue?.relu ?? false
        if let short = ConvKernels.shortGeometry(g) {
            forwardShort(x, sampleCount: CHW, short, weights: w, bias: b, relu: relu)
            return output
        }
        let times = ChunkTimes(chunks: Self.chunkCount(N))
        if let kernel = ConvKernels.geometry(g) {
            // Our kernels: im2col inside the GEMM's packing, bias (and a fused ReLU) on the store.
            packedWeights.resize(to: Shape(ConvKernels.packedCount(outputs: F, rows: R)))
            ConvKernels.packWeights(
                w, outputs: F, inputs: inputChannels, taps: kernelSize * kernelSize, into: packedWeights.data)
            panels.resize(to: Shape(Parallel.threadCount, ConvKernels.panelCount(rows: R)))
            let packed = packedWeights.data, panel = panels.data, panelCount = ConvKernels.panelCount(rows: R)
            if Self.splitsEachImage(N) {
                forwardSplittingImages(
                    x, sampleCount: CHW, kernel, packed: packed, bias: b, relu: relu, out: y, panel: panel,
                    panelCount: panelCount)
                return output
            }
            Parallel.forEachChunk(N) { chunk, images in
                times.chunk(chunk) {
                    times.time(chunk, .gemm) {
                        ConvKernels.forward(
                            images: x + images.lowerBound * CHW, count: images.count, kernel, packed: packed,
                            outputs: F, bias: b, relu: relu, out: y + images.lowerBound * F * P,
                            panel: panel + chunk * panelCount)
                    }
                }
            }
            Profiler.current?.record(self, .forward, times)
            return output
        }
        if !pointwise { scratch.resize(to: Shape(Self.chunkCount(N), R, P)) }
        let perChunk = scratch.data
        Parallel.forEachChunk(N) { chunk, images in
            times.chunk(chunk) {
                for n in images {
                    let image = x + n * CHW
                    var columnMatrix = image  // (R, P)
                    if !pointwise {
                        columnMatrix = perChunk + chunk * R * P
                        times.time(chunk, .im2col) { im2col(image, g, columnMatrix) }
                    }
                    let out = y + n * F * P  // (F, P)
                    times.time(chunk, .gemm) {
                        BLAS.sgemm(
                            transposeA: false, transposeB: false, m: F, n: P, k: R, alpha: 1, a: w, lda: R,
                            b: columnMatrix, ldb: P, beta: 0, c: out, ldc: P)
                    }
                    if b != nil || relu { Self.addBias(b, relu: relu, to: out, rows: F, length: P) }
                }
            }
        }
        Profiler.current?.record(self, .forward, times)
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        backwardFusing(outputGradient, needsInputGradient: needsInputGradient, fusedReLU: false)
    }

    /// The backward pass; with `fusedReLU`, `outputGradient` is the gradient of the ReLU fused after
    /// this conv, and each image's gradient is first masked by this conv's (clamped) output into a
    /// per-chunk buffer of F·P floats (`maskReLUGradient`), which all three products then read
    /// while it is in L2: the batch's masked gradient is never written as a whole.
    ///
    /// With `gated`, the input gradient is that of the ReLU in front of this conv
    /// (`PrecedingReLUFusing`): kept only where this conv's input (the ReLU's output) is > 0.
    func backwardFusing(
        _ outputGradient: Tensor, needsInputGradient: Bool, fusedReLU: Bool, gated: Bool = false
    ) -> Tensor? {
        guard let input, let g = geometry else {
            preconditionFailure("\(summary): backward without a training-mode forward")
        }
        checkOutputGradient(outputGradient, expected: output.shape, layer: summary)
        let N = input.shape.batch, F = outputChannels, R = g.columnRows, P = g.columnCount,
            CHW = input.shape.sampleCount
        let chunks = Self.chunkCount(N)
        weightPartials.resize(to: Shape(chunks, F, R))
        biasPartials.resize(to: Shape(chunks, F))
        if needsInputGradient { inputGradient.resize(to: input.shape) }
        // The input gradient with our kernels: a convolution of ∂Y with the flipped, transposed weights.
        let transposed = needsInputGradient ? ConvKernels.transposedGeometry(g, outputChannels: F) : nil
        // The weight gradient with our kernels: accumulated transposed, (R, F) per chunk.
        let kernel = ConvKernels.geometry(g)
        let needsColumns = kernel == nil || (needsInputGradient && transposed == nil)
        if !g.isPointwise && needsColumns { scratch.resize(to: Shape(chunks, R, P)) }

        let x = input.data, dy = outputGradient.data, w = weight.value.data, dx = inputGradient.data
        let C = inputChannels
        let panelCount = max(
            transposed.map { ConvKernels.panelCount(rows: $0.rows) } ?? 0,
            kernel.map { ConvKernels.weightScratchCount($0) } ?? 0)
        if let transposed {
            packedWeights.resize(to: Shape(ConvKernels.packedCount(outputs: C, rows: transposed.rows)))
            ConvKernels.packTransposedWeights(
                w, outputs: F, inputs: C, kernelHeight: kernelSize, kernelWidth: kernelSize,
                into: packedWeights.data)
        }
        if panelCount > 0 { panels.resize(to: Shape(Parallel.threadCount, panelCount)) }
        if kernel != nil { transposedGradients.resize(to: Shape(Parallel.threadCount, P, F)) }
        // Images whose input gradients are computed together (their short last tiles share a vector).
        let group = transposed.map { ConvKernels.tailGroup($0) } ?? 1
        if fusedReLU { maskedGradients.resize(to: Shape(chunks, group, F, P)) }
        if Self.splitsEachImage(N), let kernel, transposed != nil || !needsInputGradient {
            backwardSplittingImages(
                outputGradient, kernel, transposed: transposed, panelCount: panelCount, fusedReLU: fusedReLU)
            if gated && needsInputGradient {
                Self.gate(inputGradient.data, by: UnsafePointer(x), count: inputGradient.count)
            }
            return needsInputGradient ? inputGradient : nil
        }
        let packed = packedWeights.data, panel = panels.data, dyT = transposedGradients.data
        let perChunk = scratch.data, masked = fusedReLU ? maskedGradients.data : nil, y = output.data
        let dwPartials = weightPartials.data, dbPartials = biasPartials.data
        let pointwise = g.isPointwise, hasBias = bias != nil
        let times = ChunkTimes(chunks: chunks)
        Parallel.forEachChunk(N) { chunk, images in
            times.chunk(chunk) {
                let dw = dwPartials + chunk * F * R  // (F, R)
                let db = dbPartials + chunk * F  // (F)
                dw.update(repeating: 0, count: F * R)
                db.update(repeating: 0, count: F)
                let work = perChunk + chunk * R * P  // (R, P): columns, then ∂columns
                let maskedGroup = masked.map { $0 + chunk * group * F * P }  // (group, F, P)
                for n in images {
                    let image = x + n * CHW
                    // This image's gradient: its slot of the chunk's masked group, or ∂Y itself. (F, P)
                    let first = n - (n - images.lowerBound) % group  // the first image of n's group
                    let dyImage = maskedGroup.map { $0 + (n - first) * F * P } ?? dy + n * F * P
                    if masked != nil {
                        times.time(chunk, .activation) {
                            Self.maskReLUGradient(dy + n * F * P, output: y + n * F * P, count: F * P, into: dyImage)
                        }
                    }
                    if let kernel {
                        // The next image's input and raw gradient, prefetched during this one's.
                        let last = n + 1 == images.upperBound
                        let next: (UnsafePointer<Float>, UnsafePointer<Float>)? =
                            last ? nil : (UnsafePointer(image + CHW), UnsafePointer(dy + (n + 1) * F * P))
                        times.time(chunk, .gemm) {
                            ConvKernels.weightGradient(
                                image, kernel, outputGradient: dyImage, outputs: F,
                                transposedScratch: dyT + chunk * P * F, panel: panel + chunk * panelCount,
                                accumulator: dw,  // (R, F) here
                                next: next)
                        }
                    } else {
                        var columnMatrix = image
                        if !pointwise {
                            times.time(chunk, .im2col) { im2col(image, g, work) }
                            columnMatrix = work
                        }
                        times.time(chunk, .gemm) {
                            BLAS.sgemm(
                                transposeA: false, transposeB: true, m: F, n: R, k: P, alpha: 1, a: dyImage, lda: P,
                                b: columnMatrix, ldb: P, beta: 1, c: dw, ldc: R)
                        }
                    }
                    if hasBias {
                        for f in 0..<F { db[f] += sum(dyImage + f * P, count: P) }
                    }
                    guard needsInputGradient else { continue }
                    let dxImage = dx + n * CHW  // (C, H, W)
                    if let transposed {
                        // Once the group's last image has its gradient: the group's input gradients.
                        let count = min(group, images.upperBound - first)
                        guard n == first + count - 1 else { continue }
                        times.time(chunk, .gemm) {
                            let images = maskedGroup ?? dy + first * F * P
                            if gated {  // the preceding ReLU's backward on the store
                                ConvKernels.forward(
                                    images: images, count: count, transposed, packed: packed, outputs: C,
                                    gate: x + first * CHW, out: dx + first * CHW, panel: panel + chunk * panelCount)
                            } else {
                                ConvKernels.forward(
                                    images: images, count: count, transposed, packed: packed, outputs: C, bias: nil,
                                    out: dx + first * CHW, panel: panel + chunk * panelCount)
                            }
                        }
                    } else if pointwise {
                        times.time(chunk, .gemm) {
                            BLAS.sgemm(
                                transposeA: true, transposeB: false, m: R, n: P, k: F, alpha: 1, a: w, lda: R,
                                b: dyImage, ldb: P, beta: 0, c: dxImage, ldc: P)
                        }
                    } else {
                        times.time(chunk, .gemm) {
                            BLAS.sgemm(
                                transposeA: true, transposeB: false, m: R, n: P, k: F, alpha: 1, a: w, lda: R,
                                b: dyImage, ldb: P, beta: 0, c: work, ldc: P)
                        }
                        times.time(chunk, .im2col) {
                            dxImage.update(repeating: 0, count: CHW)
                            col2im(work, g, dxImage)
                        }
                    }
                    if gated && transposed == nil {  // (our kernels gate on the store, above)
                        times.time(chunk, .activation) { Self.gate(dxImage, by: image, count: CHW) }
                    }
                }
            }
        }
        Profiler.current?.record(self, .backward, times)
        reducePartials(chunks: chunks, transposed: kernel != nil)
        return needsInputGradient ? inputGradient : nil
    }

    /// dx[i] = x[i] > 0 ? dx[i] : 0 in place: the backward of a ReLU whose output is x (NaN gives 0).
    @inline(__always)
    static func gate(_ dx: UnsafeMutablePointer<Float>, by x: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { let d = dx[i]; dx[i] = x[i] > 0 ? d : 0 }
    }

    /// masked[i] = output[i] > 0 ? dy[i] : 0, exactly the ReLU layer's backward (a NaN output gives
    /// 0): the gradient before a fused ReLU, one image at a time.
    @inline(__always)
    static func maskReLUGradient(
        _ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>, count: Int, into masked: UnsafeMutablePointer<Float>
    ) {
        for i in 0..<count { let d = dy[i]; masked[i] = y[i] > 0 ? d : 0 }  // unconditional load: vectorizes
    }

    /// Adds the first `chunks` partial ∂W and ∂b into the parameters' gradients, in chunk order
    /// (fixed, so a given thread count always gives the same bits). `transposed`: the partials are
    /// (R, F), as our kernels accumulate them.
    func reducePartials(chunks: Int, transposed: Bool) {
        let F = outputChannels, R = weight.value.count / outputChannels
        let dW = weight.gradient.data, dwPartials = weightPartials.data
        for chunk in 0..<chunks {
            let partial = dwPartials + chunk * F * R
            if transposed {
                for f in 0..<F {  // the partial is (R, F)
                    for r in 0..<R { dW[f * R + r] += partial[r * F + f] }
                }
            } else {
                for i in 0..<(F * R) { dW[i] += partial[i] }
            }
        }
        if let bias {
            let dB = bias.gradient.data, dbPartials = biasPartials.data
            for chunk in 0..<chunks {
                for f in 0..<F { dB[f] += dbPartials[chunk * F + f] }
            }
        }
    }
}
