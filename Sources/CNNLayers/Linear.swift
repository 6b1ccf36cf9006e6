import CNNCore

// Legend (this file): N = batch size, I = input features, O = output features.

/// Fully connected layer, as `torch.nn.Linear`: y = x·Wᵀ + b.
///
/// Input (N, I), or (N, C, H, W) read as (N, C·H·W) so that no Flatten is needed before it; the
/// input gradient has the input's shape. Output (N, O). One GEMM for the whole batch in each
/// direction.
public final class Linear: Layer {
    public let inputFeatures: Int
    public let outputFeatures: Int
    /// (O, I); state_dict name "weight".
    public let weight: Parameter
    /// (O); state_dict name "bias". `nil` when built with `bias: false`.
    public let bias: Parameter?

    private let output = Tensor(shape: Shape(0))          // (N, O)
    private let inputGradient = Tensor(shape: Shape(0))   // input's shape
    private var input: Tensor?                            // (N, I) of the last training forward

    /// PyTorch's default initialization: weight and bias U(−1/√I, 1/√I), weight drawn first.
    public init(inputFeatures: Int, outputFeatures: Int, bias: Bool = true, generator: inout SeededGenerator) {
        precondition(inputFeatures >= 1 && outputFeatures >= 1, "linear needs at least one input and output feature")
        self.inputFeatures = inputFeatures
        self.outputFeatures = outputFeatures
        weight = Parameter(name: "weight", shape: Shape(outputFeatures, inputFeatures))
        Initialization.kaimingUniform(weight.value, fanIn: inputFeatures, generator: &generator)
        if bias {
            let b = Parameter(name: "bias", shape: Shape(outputFeatures))
            Initialization.bias(b.value, fanIn: inputFeatures, generator: &generator)
            self.bias = b
        } else {
            self.bias = nil
        }
    }

    public var workKind: WorkKind { .gemm }
    public var summary: String { "linear \(inputFeatures)→\(outputFeatures)" + (bias == nil ? " no-bias" : "") }
    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }
    public func outputShape(for input: Shape) -> Shape { Shape(input.batch, outputFeatures) }
    /// 2·I·O per sample.
    public func forwardFLOPs(for input: Shape) -> Int { 2 * inputFeatures * outputFeatures }

    public func validate(_ input: Shape, mode: Mode) throws {
        guard input.rank >= 2, input.sampleCount == inputFeatures else {
            throw LayerError("\(summary) needs \(inputFeatures) features per sample, got input \(input)")
        }
    }

    public func forward(_ input: Tensor, mode: Mode) -> Tensor {
        let s = input.shape
        precondition(s.rank >= 2 && s.sampleCount == inputFeatures, "\(summary) needs \(inputFeatures) features per sample, got \(s)")
        let N = s.batch, I = inputFeatures, O = outputFeatures
        output.resize(to: Shape(N, O))
        let y = output.data
        if let b = bias?.value.data {
            for n in 0..<N { (y + n * O).update(from: b, count: O) }
        }
        BLAS.sgemm(transposeA: false, transposeB: true, m: N, n: O, k: I, alpha: 1, a: input.data, lda: I,
                   b: weight.value.data, ldb: I, beta: bias == nil ? 0 : 1, c: y, ldc: O)
        self.input = mode == .training ? input : nil
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard let input else { preconditionFailure("\(summary): backward without a training-mode forward") }
        precondition(outputGradient.shape == output.shape, "\(summary): output gradient \(outputGradient.shape), expected \(output.shape)")
        let N = input.shape.batch, I = inputFeatures, O = outputFeatures
        let dy = outputGradient.data
        // ∂W (O, I) += ∂Yᵀ (O, N) × X (N, I)
        BLAS.sgemm(transposeA: true, transposeB: false, m: O, n: I, k: N, alpha: 1, a: dy, lda: O,
                   b: input.data, ldb: I, beta: 1, c: weight.gradient.data, ldc: I)
        if let bias {
            let db = bias.gradient.data
            for n in 0..<N {
                let row = dy + n * O
                for o in 0..<O { db[o] += row[o] }
            }
        }
        guard needsInputGradient else { return nil }
        // ∂X (N, I) = ∂Y (N, O) × W (O, I)
        inputGradient.resize(to: input.shape)
        BLAS.sgemm(transposeA: false, transposeB: false, m: N, n: I, k: O, alpha: 1, a: dy, lda: O,
                   b: weight.value.data, ldb: I, beta: 0, c: inputGradient.data, ldc: I)
        return inputGradient
    }
}
