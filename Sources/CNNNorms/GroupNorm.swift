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
public final class GroupNorm: Layer {
    public let groupCount: Int
    public let channelCount: Int
    public let epsilon: Float
    let engine: GroupStatisticsEngine

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
        self.channelCount = channelCount
        self.epsilon = epsilon
        engine = GroupStatisticsEngine(
            groupCount: groupCount, channelCount: channelCount, epsilon: epsilon,
            affine: .perChannel, affineShape: Shape(channelCount))
    }

    /// γ, shape (C).
    public var weight: Parameter { engine.weight }
    /// β, shape (C).
    public var bias: Parameter { engine.bias }

    public var workKind: WorkKind { .norm }
    public var summary: String { "groupnorm \(channelCount) in \(groupCount) groups" }
    public func outputShape(for input: Shape) -> Shape { input }
    public var parameters: [Parameter] { [weight, bias] }
    /// Statistics (3 FLOPs per element) and the folded affine map (2 FLOPs per element).
    public func forwardFLOPs(for input: Shape) -> Int { 5 * input.sampleCount }

    public func validate(_ input: Shape, mode: Mode) throws {
        if let problem = engine.problem(with: input) { throw LayerError("GroupNorm \(problem)") }
    }

    public func forward(_ input: Tensor, mode: Mode) -> Tensor { engine.forward(input) }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        engine.backward(outputGradient, needsInputGradient: needsInputGradient)
    }
}
