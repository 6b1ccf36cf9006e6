import CNNCore

/// (N, C, H, W) → (N, C·H·W), as `torch.nn.Flatten()`.
///
/// Copy semantics: the output is the layer's own tensor holding a copy of the input (and the
/// input gradient a copy of the output gradient in the input's shape), so no tensor is ever shared
/// between two layers. The copy costs one pass over a small activation.
public final class Flatten: Layer {
    private let output = Tensor(shape: Shape(0))  // (N, C·H·W)
    private let inputGradient = Tensor(shape: Shape(0))  // (N, C, H, W)
    private var inputShape: Shape?

    public init() {}

    public var summary: String { "flatten" }
    public func outputShape(for input: Shape) -> Shape { Shape(input.batch, input.sampleCount) }

    public func validate(_ input: Shape, mode: Mode) throws {
        guard input.rank >= 1 else { throw LayerError("flatten needs a batch dimension, got a scalar") }
    }

    public func forward(_ input: Tensor, mode: Mode) -> Tensor {
        inputShape = input.shape
        output.resize(to: outputShape(for: input.shape))
        output.data.update(from: input.data, count: input.count)
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient else { return nil }
        guard let s = inputShape else { preconditionFailure("flatten: backward without a forward") }
        precondition(outputGradient.count == s.count, "flatten: output gradient \(outputGradient.shape) for input \(s)")
        inputGradient.resize(to: s)
        inputGradient.data.update(from: outputGradient.data, count: s.count)
        return inputGradient
    }
}
