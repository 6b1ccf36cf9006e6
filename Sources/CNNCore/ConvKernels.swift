import CKernels

/// The engine's own stride-1 convolution kernels (C target `CKernels`): im2col folded into the
/// GEMM's packing, an AVX-512 micro-kernel, output stored straight into NCHW. See
/// `Sources/CKernels/include/cnn_kernels.h`.
///
/// Used where `isAvailable` (CPU and OS with AVX-512F; `CNNTRAIN_KERNELS=reference` turns them off
/// for A/B runs) and the geometry is stride 1 (R ≥ 32; R < 32 has its own forward, `shortForward`);
/// everything else runs im2col + OpenBLAS.
public enum ConvKernels {
    /// A geometry the kernels handle (stride 1).
    public struct Geometry {
        var raw: cnn_conv_geometry
        /// Rows of the packed weights and panel: C·KH·KW of this problem's input.
        public var rows: Int { Int(raw.channels * raw.kernel_height * raw.kernel_width) }
    }

    /// Whether this CPU runs the kernels (checked once).
    public static let isAvailable: Bool = cnn_kernels_available() != 0

    /// `g` as the C kernels' geometry (its stride is not part of it: they only run stride 1).
    private static func raw(_ g: ConvGeometry) -> cnn_conv_geometry {
        cnn_conv_geometry(
            channels: Int32(g.channels), height: Int32(g.height), width: Int32(g.width),
            kernel_height: Int32(g.kernelHeight), kernel_width: Int32(g.kernelWidth),
            padding: Int32(g.padding), output_height: Int32(g.outputHeight),
            output_width: Int32(g.outputWidth))
    }

    /// The kernels' geometry for a stride-1 convolution, or nil when they do not handle it.
    public static func geometry(_ g: ConvGeometry) -> Geometry? {
        guard isAvailable, g.stride == 1 else { return nil }
        var k = raw(g)
        return cnn_conv_supported(&k) != 0 ? Geometry(raw: k) : nil
    }

    /// The input gradient of a stride-1 convolution as a convolution of ∂Y (F, OH, OW) with padding
    /// KH − 1 − padding, or nil when the kernels do not handle it.
    public static func transposedGeometry(_ g: ConvGeometry, outputChannels F: Int) -> Geometry? {
        guard isAvailable, g.stride == 1, g.padding <= g.kernelHeight - 1, g.padding <= g.kernelWidth - 1,
            g.kernelHeight == g.kernelWidth
        else { return nil }
        var k = cnn_conv_geometry(
            channels: Int32(F), height: Int32(g.outputHeight), width: Int32(g.outputWidth),
            kernel_height: Int32(g.kernelHeight), kernel_width: Int32(g.kernelWidth),
            padding: Int32(g.kernelHeight - 1 - g.padding), output_height: Int32(g.height),
            output_width: Int32(g.width))
        return cnn_conv_supported(&k) != 0 ? Geometry(raw: k) : nil
    }

    /// Floats of packed weights for F output channels and R inputs.
    public static func packedCount(outputs F: Int, rows R: Int) -> Int {
        cnn_conv_packed_weights_count(Int32(F), Int32(R))
    }
    /// Floats of one thread's panel for R rows.
    public static func panelCount(rows R: Int) -> Int { cnn_conv_panel_count(Int32(R)) }
    /// Floats of one thread's weight-gradient scratch (the zero-padded image).
    public static func weightScratchCount(_ geometry: Geometry) -> Int {
        var raw = geometry.raw
        return cnn_conv_weight_scratch_count(&raw)
    }

    /// Packs weights (F, C·taps) for `forward` and its variants: blocks of 8 output channels whose
    /// rows run tap by tap (the panels' order, see conv_kernels.c version 9).
    public static func packWeights(
        _ weights: UnsafePointer<Float>, outputs F: Int, inputs C: Int, taps T: Int,
        into packed: UnsafeMutablePointer<Float>
    ) {
        cnn_conv_pack_weights_by_tap(weights, Int32(F), Int32(C), Int32(T), packed)
    }

    /// Packs weights (F, R) for the short-reduction kernels (`shortForward`): rows in the weights'
    /// own order.
    public static func packWeights(
        _ weights: UnsafePointer<Float>, outputs F: Int, rows R: Int,
        into packed: UnsafeMutablePointer<Float>
    ) {
        cnn_conv_pack_weights(weights, Int32(F), Int32(R), packed)
    }

    public static func packTransposedWeights(
        _ weights: UnsafePointer<Float>, outputs F: Int, inputs C: Int,
        kernelHeight KH: Int, kernelWidth KW: Int,
        into packed: UnsafeMutablePointer<Float>
    ) {
        cnn_conv_pack_weights_transposed(weights, Int32(F), Int32(C), Int32(KH), Int32(KW), packed)
    }

    /// accT (R, F) += columns(image) × ∂Yᵀ, one image's weight gradient transposed.
    /// `dyT` is scratch of P·F floats, `panel` of `weightScratchCount(_:)`. `next`: the next call's
    /// image and output gradient, prefetched into L2 while this one runs.
    @inline(__always)
    public static func weightGradient(
        _ image: UnsafePointer<Float>, _ geometry: Geometry, outputGradient dy: UnsafePointer<Float>,
        outputs F: Int, transposedScratch dyT: UnsafeMutablePointer<Float>,
        panel: UnsafeMutablePointer<Float>, accumulator accT: UnsafeMutablePointer<Float>,
        next: (image: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>)? = nil
    ) {
        var raw = geometry.raw
        cnn_conv_weight_gradient(image, &raw, dy, Int32(F), dyT, panel, accT, next?.image, next?.outputGradient)
    }

    /// `weightGradient` for the rows of input channels `channels` only (one image split over
    /// threads: each range writes its own rows of `accT`).
    @inline(__always)
    public static func weightGradient(
        _ image: UnsafePointer<Float>, _ geometry: Geometry, outputGradient dy: UnsafePointer<Float>,
        outputs F: Int, channels: Range<Int>, transposedScratch dyT: UnsafeMutablePointer<Float>,
        panel: UnsafeMutablePointer<Float>, accumulator accT: UnsafeMutablePointer<Float>
    ) {
        var raw = geometry.raw
        cnn_conv_weight_gradient_channels(
            image, &raw, dy, Int32(F), Int32(channels.lowerBound), Int32(channels.upperBound), dyT, panel, accT)
    }

    /// `forward` for output channels `outputs` only (lower bound a multiple of 8), into the full
    /// output (one image split over threads).
    @inline(__always)
    public static func forward(
        _ image: UnsafePointer<Float>, _ geometry: Geometry,
        packed: UnsafePointer<Float>, outputs: Range<Int>, bias: UnsafePointer<Float>?, relu: Bool = false,
        out: UnsafeMutablePointer<Float>, panel: UnsafeMutablePointer<Float>
    ) {
        precondition(outputs.lowerBound % 8 == 0, "output range must start at a block of 8")
        var raw = geometry.raw
        cnn_conv_forward_outputs(
            image, &raw, packed, Int32(outputs.lowerBound), Int32(outputs.upperBound), bias, relu ? 1 : 0, out, panel)
    }

    /// `forward` for `count` images one after the other (outputs F·P floats apart), bit for bit as
    /// `count` calls; consecutive images' short last tiles share a vector (`tailGroup`).
    @inline(__always)
    public static func forward(
        images: UnsafePointer<Float>, count: Int, _ geometry: Geometry,
        packed: UnsafePointer<Float>, outputs F: Int, bias: UnsafePointer<Float>?, relu: Bool = false,
        out: UnsafeMutablePointer<Float>, panel: UnsafeMutablePointer<Float>
    ) {
        var raw = geometry.raw
        cnn_conv_forward_images(images, Int32(count), &raw, packed, Int32(F), bias, relu ? 1 : 0, out, panel)
    }

    /// `forward(images:)` without bias, each output kept only where `gate` (a tensor of the output's
    /// layout) is > 0, else 0: a conv's input gradient with the backward of the ReLU in front of the
    /// conv applied as it is stored (`gate` is that ReLU's output, the conv's input).
    @inline(__always)
    public static func forward(
        images: UnsafePointer<Float>, count: Int, _ geometry: Geometry,
        packed: UnsafePointer<Float>, outputs F: Int, gate: UnsafePointer<Float>,
        out: UnsafeMutablePointer<Float>, panel: UnsafeMutablePointer<Float>
    ) {
        var raw = geometry.raw
        cnn_conv_forward_images_gated(images, Int32(count), &raw, packed, Int32(F), gate, out, panel)
    }

    /// How many consecutive images `forward(images:)` computes together: > 1 when an image's last
    /// tile is short (14×14: 4 positions, so 4 images share one vector).
    public static func tailGroup(_ geometry: Geometry) -> Int {
        var raw = geometry.raw
        return Int(cnn_conv_tail_group(&raw))
    }

    /// out (F, OH, OW) = packed weights × columns(image) [+ bias], one image; with `relu`, clamped
    /// at 0 as it is stored (a fused ReLU).
    @inline(__always)
    public static func forward(
        _ image: UnsafePointer<Float>, _ geometry: Geometry,
        packed: UnsafePointer<Float>, outputs F: Int, bias: UnsafePointer<Float>?, relu: Bool = false,
        out: UnsafeMutablePointer<Float>, panel: UnsafeMutablePointer<Float>
    ) {
        var raw = geometry.raw
        cnn_conv_forward(image, &raw, packed, Int32(F), bias, relu ? 1 : 0, out, panel)
    }

    // MARK: Short reductions (R = C·KH·KW < 32)

    /// The geometry of the short-reduction kernels (stride 1, R < 32: a first layer on one or three
    /// channels), or nil when they do not handle it.
    public static func shortGeometry(_ g: ConvGeometry) -> Geometry? {
        guard isAvailable, g.stride == 1 else { return nil }
        var k = raw(g)
        return cnn_conv_small_supported(&k) != 0 ? Geometry(raw: k) : nil
    }

    /// out (count, F, OH, OW), channels `outputs` (lower bound a multiple of 8) = packed weights ×
    /// columns [+ bias], clamped at 0 with `relu`, for `count` consecutive images; weights packed
    /// by `packWeights`; `scratch` of `shortForwardScratchCount(_:)` floats.
    public static func shortForward(
        _ images: UnsafePointer<Float>, count: Int, _ geometry: Geometry, packed: UnsafePointer<Float>,
        outputCount F: Int, outputs: Range<Int>, bias: UnsafePointer<Float>?, relu: Bool,
        out: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
    ) {
        precondition(outputs.lowerBound % 8 == 0, "output range must start at a block of 8")
        var raw = geometry.raw
        cnn_conv_small_forward(
            images, Int32(count), &raw, packed, Int32(F), Int32(outputs.lowerBound), Int32(outputs.upperBound), bias,
            relu ? 1 : 0, out, scratch)
    }

    /// Floats of one thread's scratch for `shortForward` (the gather plans of its vectors).
    public static func shortForwardScratchCount(_ geometry: Geometry) -> Int {
        var raw = geometry.raw
        return cnn_conv_small_forward_scratch_count(&raw)
    }
}
