import CNNCore

/// Hyperbolic tangent, as `torch.nn.Tanh`; ∂y/∂x = 1 − y² from the saved output.
/// Any shape; the output has the input's shape.
public final class Tanh: ElementwiseActivation {
    public init() { super.init(summary: "tanh") }

    override func forwardElements(
        _ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ range: Range<Int>
    ) {
        for i in range { y[i] = hyperbolicTangent(x[i]) }
    }

    override func backwardElements(
        _ y: UnsafeMutablePointer<Float>, _ dy: UnsafeMutablePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
        _ range: Range<Int>
    ) {
        for i in range { dx[i] = dy[i] * (1 - y[i] * y[i]) }
    }
}
