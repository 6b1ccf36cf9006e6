import CNNCore

/// The body shared by `GroupNorm`, `LayerNorm` and `InstanceNorm`: one `GroupStatisticsEngine`
/// (statistics per sample over groups of channels, then the affine map) behind the `Layer`
/// plumbing. A subclass says how many groups and which affine layout it uses, and its summary.
public class GroupStatisticsNorm: Layer, ReLUBackwardFusing {
    public let channelCount: Int
    public let epsilon: Float
    /// "GroupNorm", "LayerNorm" or "InstanceNorm", for messages.
    let typeName: String
    let engine: GroupStatisticsEngine

    init(typeName: String, groupCount: Int, channelCount: Int, epsilon: Float, affine: AffineLayout, affineShape: Shape)
    {
        self.typeName = typeName
        self.channelCount = channelCount
        self.epsilon = epsilon
        engine = GroupStatisticsEngine(
            groupCount: groupCount, channelCount: channelCount, epsilon: epsilon, affine: affine,
            affineShape: affineShape)
    }

    /// γ: shape (C), or the normalized shape for LayerNorm.
    public var weight: Parameter { engine.weight }
    /// β: shape (C), or the normalized shape for LayerNorm.
    public var bias: Parameter { engine.bias }

    public var workKind: WorkKind { .norm }
    public var summary: String { preconditionFailure("\(typeName): summary not overridden") }
    public func outputShape(for input: Shape) -> Shape { input }
    public var parameters: [Parameter] { [weight, bias] }
    /// Statistics (3 FLOPs per element) and the folded affine map (2 FLOPs per element).
    public func forwardFLOPs(for input: Shape) -> Int { 5 * input.sampleCount }

    public func validate(_ input: Shape, mode: Mode) throws {
        if let problem = engine.problem(with: input) { throw LayerError("\(typeName) \(problem)") }
    }

    public func forward(_ input: Tensor, mode: Mode) -> Tensor { engine.forward(input) }

    /// Forward with the ReLU that follows fused into the output pass (`ReLUFusing`).
    public func forward(_ input: Tensor, mode: Mode, fusedReLU: Bool) -> Tensor {
        engine.forward(input, relu: fusedReLU)
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        engine.backward(outputGradient, needsInputGradient: needsInputGradient)
    }

    /// Backward through the ReLU fused after this norm as well (`ReLUBackwardFusing`).
    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool, fusedReLU: Bool) -> Tensor? {
        engine.backward(outputGradient, needsInputGradient: needsInputGradient, fusedReLU: fusedReLU)
    }
}
