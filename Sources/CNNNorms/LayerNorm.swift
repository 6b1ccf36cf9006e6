import CNNCore

/// Layer normalization: statistics per sample over all of (C, H, W), γ and β per element.
///
/// Ba, Kiros & Hinton, "Layer Normalization", 2016. Same conventions as PyTorch's
/// `nn.LayerNorm([C, H, W])` (or `nn.LayerNorm(C)` for (N, C) input): y = γ·(x − μ)/√(σ² + ε) + β
/// with μ and the **biased** variance σ² (divide by M = C·H·W) per sample, ε inside the square root
/// in the forward and the backward alike, and γ, β of the normalized shape — so a 64×14×14 stage
/// has 2·12,544 = 25,088 parameters, against 128 for the other norms.
///
/// It is GroupNorm's kernel with G = 1 (`GroupStatisticsEngine`, per-element affine).
public final class LayerNorm: GroupStatisticsNorm {
    public let height: Int
    public let width: Int
    /// The shape of γ and β: (C, H, W), or (C) for a layer over (N, C) features.
    public let normalizedShape: Shape

    /// LayerNorm over (C, H, W) samples, like `nn.LayerNorm([C, H, W])`.
    /// - Precondition: C, H, W ≥ 1.
    public convenience init(channelCount: Int, height: Int, width: Int, epsilon: Float = 1e-5) {
        self.init(normalizedShape: Shape(channelCount, height, width), epsilon: epsilon)
    }

    /// LayerNorm over C features of (N, C) input, like `nn.LayerNorm(C)`: γ, β have shape (C).
    public convenience init(featureCount: Int, epsilon: Float = 1e-5) {
        self.init(normalizedShape: Shape(featureCount), epsilon: epsilon)
    }

    private init(normalizedShape: Shape, epsilon: Float) {
        precondition(
            normalizedShape.dimensions.allSatisfy { $0 >= 1 }, "LayerNorm over an empty shape \(normalizedShape)")
        self.normalizedShape = normalizedShape
        height = normalizedShape.rank == 3 ? normalizedShape[1] : 1
        width = normalizedShape.rank == 3 ? normalizedShape[2] : 1
        super.init(
            typeName: "LayerNorm", groupCount: 1, channelCount: normalizedShape[0], epsilon: epsilon,
            affine: .perElement, affineShape: normalizedShape)
    }

    public override var summary: String { "layernorm \(normalizedShape)" }
    /// Statistics (3 FLOPs per element), normalization and the per-element affine map (4 FLOPs).
    public override func forwardFLOPs(for input: Shape) -> Int { 7 * input.sampleCount }
}
