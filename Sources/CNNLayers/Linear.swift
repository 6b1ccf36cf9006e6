import CNNCore

// Legend (this file): N = batch size, I = input features, O = output features.

/// Fully connected layer, as `torch.nn.Linear`: y = x·Wᵀ + b.
///
/// Input (N, I), or (N, C, H, W) read as (N, C·H·W) so that no Flatten is needed before it; the
/// input gradient has the input's shape. Output (N, O). One GEMM for the whole batch in each
/// direction, split into row blocks over the engine's threads (samples for y and ∂x, outputs for ∂W).
public final class Linear: Layer {
    public let inputFeatures: Int
    public let outputFeatures: Int
    /// (O, I); state_dict name "weight".
    public let weight: Parameter
    /// (O); state_dict name "bias". `nil` when built with `bias: false`.
    public let bias: Parameter?

    private let output = Tensor(shape: Shape(0))  // (N, O)
    private let inputGradient = Tensor(shape: Shape(0))  // input's shape
    private var input: Tensor?  // (N, I) of the last training forward

    /// PyTorch's default initialization: weight and bias U(−1/√I, 1/√I), weight drawn first.
    public init(inputFeatures: Int, outputFeatures: Int, bias: Bool = true, generator: inout SeededGenerator) {
        precondition(inputFeatures >= 1 && outputFeatures >= 1, "linear needs at least one input and output feature")
        self.inputFeatures = inputFeatures
        self.outputFeatures = outputFeatures
        (weight, self.bias) = Initialization.weightAndBias(
            weightShape: Shape(outputFeatures, inputFeatures), fanIn: inputFeatures, bias: bias, generator: &generator)
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
        precondition(
            s.rank >= 2 && s.sampleCount == inputFeatures,
            "\(summary) needs \(inputFeatures) features per sample, got \(s)")
        let N = s.batch, I = inputFeatures, O = outputFeatures
        output.resize(to: Shape(N, O))
        let y = output.data
        if let b = bias?.value.data {
            for n in 0..<N { (y + n * O).update(from: b, count: O) }
        }
        // Rows (samples) split over the engine's threads (OpenBLAS runs at one thread).
        let x = input.data, w = weight.value.data, beta: Float = bias == nil ? 0 : 1
        Parallel.forEachChunk(N, minimumPerChunk: 4) { _, rows in
            BLAS.sgemm(
                transposeA: false, transposeB: true, m: rows.count, n: O, k: I, alpha: 1, a: x + rows.lowerBound * I,
                lda: I,
                b: w, ldb: I, beta: beta, c: y + rows.lowerBound * O, ldc: O)
        }
        self.input = mode == .training ? input : nil
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard let input else { preconditionFailure("\(summary): backward without a training-mode forward") }
        checkOutputGradient(outputGradient, expected: output.shape, layer: summary)
        let N = input.shape.batch, I = inputFeatures, O = outputFeatures
        let dy = outputGradient.data
        // ∂W (O, I) += ∂Yᵀ (O, N) × X (N, I), its rows (outputs) split over the threads: each
        // thread owns its rows of ∂W, so there is nothing to reduce.
        let x = input.data, dW = weight.gradient.data
        Parallel.forEachChunk(O, minimumPerChunk: 8) { _, outputs in
            BLAS.sgemm(
                transposeA: true, transposeB: false, m: outputs.count, n: I, k: N, alpha: 1, a: dy + outputs.lowerBound,
                lda: O,
                b: x, ldb: I, beta: 1, c: dW + outputs.lowerBound * I, ldc: I)
        }
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
        let w = weight.value.data, dx = inputGradient.data
        Parallel.forEachChunk(N, minimumPerChunk: 4) { _, rows in
            BLAS.sgemm(
                transposeA: false, transposeB: false, m: rows.count, n: I, k: O, alpha: 1, a: dy + rows.lowerBound * O,
                lda: O,
                b: w, ldb: I, beta: 0, c: dx + rows.lowerBound * I, ldc: I)
        }
        return inputGradient
    }
}
