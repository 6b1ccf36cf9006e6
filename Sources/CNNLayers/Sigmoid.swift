import CNNCore

/// Logistic sigmoid, as `torch.nn.Sigmoid`: y = 1 / (1 + e⁻ˣ); ∂y/∂x = y(1 − y) from the saved output.
/// Any shape; the output has the input's shape.
public final class Sigmoid: Layer {
    private let output = Tensor(shape: Shape(0))  // input's shape
    private let inputGradient = Tensor(shape: Shape(0))  // input's shape

    public init() {}

    public var workKind: WorkKind { .activation }
    public var summary: String { "sigmoid" }
    public func outputShape(for input: Shape) -> Shape { input }

    public func forward(_ input: Tensor, mode: Mode) -> Tensor {
        output.resize(to: input.shape)
        let x = input.data, y = output.data
        forEachElementChunk(input.count) { range in
            for i in range { y[i] = 1 / (1 + exponential(-x[i])) }
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
            for i in range { dx[i] = dy[i] * y[i] * (1 - y[i]) }
        }
        return inputGradient
    }
}
