import CNNCore

/// Group normalization: statistics per sample over each group of C/G channels and all positions.
///
/// Wu & He, "Group Normalization", ECCV 2018. Same conventions as PyTorch's `nn.GroupNorm`:
/// y = γ_c·(x − μ)/√(σ² + ε) + β_c, where μ and the **biased** variance σ² (divide by
/// M = (C/G)·H·W) are taken per (sample, group), ε sits inside the square root in the forward and
/// the backward alike, and γ, β are per channel (C). There are no running statistics: training and
/// inference compute the same function.
///
/// G = 1 gives LayerNorm's statistics and G = C InstanceNorm's; all three run the same kernel
/// (`GroupStatisticsEngine`), parallel over the N·G (sample, group) sets.
public final class GroupNorm: GroupStatisticsNorm {
    public let groupCount: Int

    /// - Parameters:
    ///   - groupCount: G, the number of channel groups.
    ///   - channelCount: C.
    ///   - epsilon: ε, added to the variance inside the square root.
    /// - Precondition: G ≥ 1 and G divides C (`NormFactory.make` throws a user-facing error first).
    public init(groupCount: Int, channelCount: Int, epsilon: Float = 1e-5) {
        precondition(
            groupCount >= 1 && channelCount >= 1 && channelCount.isMultiple(of: groupCount),
            "GroupNorm: \(groupCount) groups do not divide \(channelCount) channels")
        self.groupCount = groupCount
        super.init(
            typeName: "GroupNorm", groupCount: groupCount, channelCount: channelCount, epsilon: epsilon,
            affine: .perChannel, affineShape: Shape(channelCount))
    }

    public override var summary: String { "groupnorm \(channelCount) in \(groupCount) groups" }
}
