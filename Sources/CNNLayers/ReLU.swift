import CNNCore

/// Rectified linear unit, as `torch.nn.ReLU`: y = max(x, 0). The gradient at x = 0 is 0, as in PyTorch.
/// Any shape; the output has the input's shape.
public final class ReLU: Layer {
    private let output = Tensor(shape: Shape(0))  // input's shape
    private let inputGradient = Tensor(shape: Shape(0))  // input's shape

    public init() {}

    public var workKind: WorkKind { .activation }
    public var summary: String { "relu" }
    public func outputShape(for input: Shape) -> Shape { input }

    public func forward(_ input: Tensor, mode: Mode) -> Tensor {
        output.resize(to: input.shape)
        let x = input.data, y = output.data
        forEachElementChunk(input.count) { range in
            for i in range { y[i] = max(x[i], 0) }
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
            for i in range { let d = dy[i]; dx[i] = y[i] > 0 ? d : 0 }  // unconditional load: vectorizes
        }
        return inputGradient
    }
}
