import CNNCore

/// Sigmoid linear unit (swish), as `torch.nn.SiLU`: y = x·σ(x) with σ(x) = 1 / (1 + e⁻ˣ).
///
/// Elfwing, Uchibe & Doya, "Sigmoid-Weighted Linear Units for Neural Network Function
/// Approximation in Reinforcement Learning", 2018; Ramachandran, Zoph & Le, "Searching for
/// Activation Functions", 2017. ∂y/∂x = σ(x)·(1 + x·(1 − σ(x))) = σ + y·(1 − σ), from the saved σ
/// and output (no copy of the input). Any shape; the output has the input's shape.
public final class SiLU: ElementwiseActivation {
    private let sigmoid = Tensor(shape: Shape(0))  // σ(x), input's shape

    public init() { super.init(summary: "silu") }

    override func resizeSavedValues(to shape: Shape) { sigmoid.resize(to: shape) }

    override func forwardElements(
        _ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ range: Range<Int>
    ) {
        let s = sigmoid.data
        // e⁻ˣ = ∞ for x < −88 gives σ = 0 and y = −0: no NaN.
        for i in range { s[i] = 1 / (1 + exponential(-x[i])); y[i] = x[i] * s[i] }
    }

    override func backwardElements(
        _ y: UnsafeMutablePointer<Float>, _ dy: UnsafeMutablePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
        _ range: Range<Int>
    ) {
        let s = sigmoid.data
        for i in range { dx[i] = dy[i] * (s[i] + y[i] * (1 - s[i])) }
    }
}
