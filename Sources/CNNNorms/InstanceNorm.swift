import CNNCore

/// Instance normalization: statistics per sample and channel over (H, W), affine per channel.
///
/// Ulyanov, Vedaldi & Lempitsky, "Instance Normalization: The Missing Ingredient for Fast
/// Stylization", 2016. y = γ_c·(x − μ)/√(σ² + ε) + β_c with μ and the **biased** variance σ²
/// (divide by H·W) per (sample, channel), ε inside the square root in the forward and the backward
/// alike.
///
/// Differs from PyTorch's default: `nn.InstanceNorm2d` is `affine=False` by default; this layer is
/// `nn.InstanceNorm2d(C, affine=True, track_running_stats=False)` — per-channel γ (init 1) and
/// β (init 0), and statistics from the instance itself in training and in inference alike (no
/// running statistics, no buffers).
///
/// It is GroupNorm's kernel with G = C (`GroupStatisticsEngine`).
public final class InstanceNorm: GroupStatisticsNorm {
    /// - Parameters:
    ///   - channelCount: C.
    ///   - epsilon: ε, added to the variance inside the square root.
    /// - Precondition: channelCount ≥ 1.
    public init(channelCount: Int, epsilon: Float = 1e-5) {
        precondition(channelCount >= 1, "InstanceNorm needs at least one channel")
        super.init(
            typeName: "InstanceNorm", groupCount: channelCount, channelCount: channelCount, epsilon: epsilon,
            affine: .perChannel, affineShape: Shape(channelCount))
    }

    public override var summary: String { "instancenorm \(channelCount)" }

    /// Throws for a 1×1 map (or (N, C) input): one value per statistic would normalize to 0.
    public override func validate(_ input: Shape, mode: Mode) throws {
        try super.validate(input, mode: mode)
        if !NormSlot.instanceNormFits(height: input.height, width: input.width) {
            throw LayerError(
                "InstanceNorm needs more than one spatial value per channel (input \(input)); "
                    + "use --norm batch, layer or group here")
        }
    }
}
