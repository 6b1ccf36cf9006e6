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
public final class InstanceNorm: Layer {
    public let channelCount: Int
    public let epsilon: Float
    let engine: GroupStatisticsEngine

    /// - Parameters:
    ///   - channelCount: C.
    ///   - epsilon: ε, added to the variance inside the square root.
    /// - Precondition: channelCount ≥ 1.
    public init(channelCount: Int, epsilon: Float = 1e-5) {
        precondition(channelCount >= 1, "InstanceNorm needs at least one channel")
        self.channelCount = channelCount
        self.epsilon = epsilon
        engine = GroupStatisticsEngine(
            groupCount: channelCount, channelCount: channelCount, epsilon: epsilon,
            affine: .perChannel, affineShape: Shape(channelCount))
    }

    /// γ, shape (C).
    public var weight: Parameter { engine.weight }
    /// β, shape (C).
    public var bias: Parameter { engine.bias }

    public var workKind: WorkKind { .norm }
    public var summary: String { "instancenorm \(channelCount)" }
    public func outputShape(for input: Shape) -> Shape { input }
    public var parameters: [Parameter] { [weight, bias] }
    /// Statistics (3 FLOPs per element) and the folded affine map (2 FLOPs per element).
    public func forwardFLOPs(for input: Shape) -> Int { 5 * input.sampleCount }

    /// Throws for a 1×1 map (or (N, C) input): one value per statistic would normalize to 0.
    public func validate(_ input: Shape, mode: Mode) throws {
        if let problem = engine.problem(with: input) { throw LayerError("InstanceNorm \(problem)") }
        if !NormSlot.instanceNormFits(height: input.height, width: input.width) {
            throw LayerError(
                "InstanceNorm needs more than one spatial value per channel (input \(input)); "
                    + "use --norm batch, layer or group here")
        }
    }

    public func forward(_ input: Tensor, mode: Mode) -> Tensor { engine.forward(input) }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        engine.backward(outputGradient, needsInputGradient: needsInputGradient)
    }
}
