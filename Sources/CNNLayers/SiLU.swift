import CNNCore

/// Sigmoid linear unit (swish), as `torch.nn.SiLU`: y = x·σ(x) with σ(x) = 1 / (1 + e⁻ˣ).
///
/// Elfwing, Uchibe & Doya, "Sigmoid-Weighted Linear Units for Neural Network Function
/// Approximation in Reinforcement Learning", 2018; Ramachandran, Zoph & Le, "Searching for
/// Activation Functions", 2017. ∂y/∂x = σ(x)·(1 + x·(1 − σ(x))) = σ + y·(1 − σ), from the saved σ
/// and output (no copy of the input). Any shape; the output has the input's shape.
public final class SiLU: Layer {
    private let output = Tensor(shape: Shape(0))  // input's shape
    private let sigmoid = Tensor(shape: Shape(0))  // σ(x), input's shape
    private let inputGradient = Tensor(shape: Shape(0))  // input's shape

    public init() {}

    public var workKind: WorkKind { .activation }
    public var summary: String { "silu" }
    public func outputShape(for input: Shape) -> Shape { input }

    public func forward(_ input: Tensor, mode: Mode) -> Tensor {
        output.resize(to: input.shape)
        sigmoid.resize(to: input.shape)
        let x = input.data, s = sigmoid.data, y = output.data
        forEachElementChunk(input.count) { range in
            // e⁻ˣ = ∞ for x < −88 gives σ = 0 and y = −0: no NaN.
            for i in range { s[i] = 1 / (1 + exponential(-x[i])); y[i] = x[i] * s[i] }
        }
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient else { return nil }
        precondition(
            outputGradient.shape == output.shape,
            "\(summary): output gradient \(outputGradient.shape), expected \(output.shape)")
        inputGradient.resize(to: output.shape)
        let s = sigmoid.data, y = output.data, dy = outputGradient.data, dx = inputGradient.data
        forEachElementChunk(output.count) { range in
            for i in range { dx[i] = dy[i] * (s[i] + y[i] * (1 - s[i])) }
        }
        return inputGradient
    }
}
