import CNNCore

/// Hyperbolic tangent, as `torch.nn.Tanh`; ∂y/∂x = 1 − y² from the saved output.
/// Any shape; the output has the input's shape.
public final class Tanh: Layer {
    private let output = Tensor(shape: Shape(0))  // input's shape
    private let inputGradient = Tensor(shape: Shape(0))  // input's shape

    public init() {}

    public var workKind: WorkKind { .activation }
    public var summary: String { "tanh" }
    public func outputShape(for input: Shape) -> Shape { input }

    public func forward(_ input: Tensor, mode: Mode) -> Tensor {
        output.resize(to: input.shape)
        let x = input.data, y = output.data
        forEachElementChunk(input.count) { range in
            for i in range { y[i] = hyperbolicTangent(x[i]) }
        }
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient else { return nil }
        precondition(
            outputGradient.shape == output.shape,
            "\(summary): output gradient \(outputGradient.shape), expected \(output.shape)")
        inputGradient.resize(to: output.shape)
        let y = output.data, dy = outputGradient.data, dx = inputGradient.data
        forEachElementChunk(output.count) { range in
            for i in range { dx[i] = dy[i] * (1 - y[i] * y[i]) }
        }
        return inputGradient
    }
}
