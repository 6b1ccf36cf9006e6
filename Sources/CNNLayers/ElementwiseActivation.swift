import CNNCore

/// The plumbing shared by the element-wise activations (ReLU, Sigmoid, Tanh, SiLU): the saved
/// output, the input-gradient buffer, the shape check of backward and the parallel chunking.
/// A subclass supplies only its two element loops, `forwardElements` and `backwardElements`.
/// Any shape; the output has the input's shape.
///
/// The loops are called once per chunk (at least 32k elements), so the dynamic dispatch costs
/// nothing measurable and each loop still vectorizes.
public class ElementwiseActivation: Layer {
    public let summary: String
    let output = Tensor(shape: Shape(0))  // input's shape
    private let inputGradient = Tensor(shape: Shape(0))  // input's shape

    init(summary: String) { self.summary = summary }

    public var workKind: WorkKind { .activation }
    public func outputShape(for input: Shape) -> Shape { input }

    /// Sizes any value a subclass saves for backward besides the output (SiLU's σ(x)).
    func resizeSavedValues(to shape: Shape) {}

    /// y[i] = f(x[i]) for i in `range`, saving what backward needs.
    func forwardElements(
        _ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ range: Range<Int>
    ) {
        preconditionFailure("\(summary): forwardElements not overridden")
    }

    /// dx[i] = dy[i]·f′(x[i]) for i in `range`, from the saved output `y` (and saved values).
    func backwardElements(
        _ y: UnsafeMutablePointer<Float>, _ dy: UnsafeMutablePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
        _ range: Range<Int>
    ) {
        preconditionFailure("\(summary): backwardElements not overridden")
    }

    public func forward(_ input: Tensor, mode: Mode) -> Tensor {
        output.resize(to: input.shape)
        resizeSavedValues(to: input.shape)
        let x = input.data, y = output.data
        forEachElementChunk(input.count) { range in forwardElements(x, y, range) }
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient else { return nil }
        return backward(outputGradient, output: output)
    }

    /// Backward from an output this layer did not write itself: the fused forward of the layer
    /// before it (`ReLUFusing`) wrote it.
    public func backward(_ outputGradient: Tensor, output: Tensor) -> Tensor {
        checkOutputGradient(outputGradient, expected: output.shape, layer: summary)
        inputGradient.resize(to: output.shape)
        let y = output.data, dy = outputGradient.data, dx = inputGradient.data
        forEachElementChunk(output.count) { range in backwardElements(y, dy, dx, range) }
        return inputGradient
    }
}
