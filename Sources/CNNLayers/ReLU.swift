import CNNCore

/// Rectified linear unit, as `torch.nn.ReLU`: y = max(x, 0). The gradient at x = 0 is 0, as in PyTorch.
/// Any shape; the output has the input's shape.
public final class ReLU: ElementwiseActivation {
    public init() { super.init(summary: "relu") }

    override func forwardElements(
        _ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ range: Range<Int>
    ) {
        for i in range { y[i] = max(x[i], 0) }
    }

    override func backwardElements(
        _ y: UnsafeMutablePointer<Float>, _ dy: UnsafeMutablePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
        _ range: Range<Int>
    ) {
        for i in range { let d = dy[i]; dx[i] = y[i] > 0 ? d : 0 }  // unconditional load: vectorizes
    }
}
