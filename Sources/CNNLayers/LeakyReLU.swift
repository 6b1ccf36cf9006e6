import CNNCore

/// Leaky rectified linear unit, as `torch.nn.LeakyReLU(negative_slope:)`: y = x for x > 0,
/// slope·x otherwise (so the gradient at 0 is `slope`, as in PyTorch). Any shape.
public final class LeakyReLU: Layer {
    public let slope: Float
    private let output = Tensor(shape: Shape(0))  // input's shape
    private let inputGradient = Tensor(shape: Shape(0))  // input's shape
    private var input: Tensor?  // the last training forward's input

    public init(slope: Float = 0.01) { self.slope = slope }

    public var workKind: WorkKind { .activation }
    public var summary: String { "leaky-relu \(slope)" }
    public func outputShape(for input: Shape) -> Shape { input }

    public func forward(_ input: Tensor, mode: Mode) -> Tensor {
        output.resize(to: input.shape)
        let x = input.data, y = output.data, slope = slope
        forEachElementChunk(input.count) { range in
            for i in range { y[i] = x[i] > 0 ? x[i] : slope * x[i] }
        }
        self.input = mode == .training ? input : nil
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient else { return nil }
        guard let input else { preconditionFailure("\(summary): backward without a training-mode forward") }
        checkOutputGradient(outputGradient, expected: input.shape, layer: summary)
        inputGradient.resize(to: input.shape)
        let x = input.data, dy = outputGradient.data, dx = inputGradient.data, slope = slope
        forEachElementChunk(input.count) { range in
            for i in range { let d = dy[i]; dx[i] = x[i] > 0 ? d : slope * d }
        }
        return inputGradient
    }
}
