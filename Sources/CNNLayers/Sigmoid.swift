import CNNCore

/// Logistic sigmoid, as `torch.nn.Sigmoid`: y = 1 / (1 + e⁻ˣ); ∂y/∂x = y(1 − y) from the saved output.
/// Any shape; the output has the input's shape.
public final class Sigmoid: ElementwiseActivation {
    public init() { super.init(summary: "sigmoid") }

    override func forwardElements(
        _ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ range: Range<Int>
    ) {
        for i in range { y[i] = 1 / (1 + exponential(-x[i])) }
    }

    override func backwardElements(
        _ y: UnsafeMutablePointer<Float>, _ dy: UnsafeMutablePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
        _ range: Range<Int>
    ) {
        for i in range { dx[i] = dy[i] * y[i] * (1 - y[i]) }
    }
}
