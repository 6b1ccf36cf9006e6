import CNNCore

/// Inverted dropout, as `torch.nn.Dropout(p)`: in training each element is zeroed with
/// probability p and the survivors are scaled by 1/(1 − p), so inference is the identity.
///
/// The mask is drawn from the layer's own `generator`, one draw per element in order, on the
/// calling thread: the same seed gives the same masks. Checkpoints save and restore `generator`.
public final class Dropout: Layer {
    public let probability: Float
    /// The source of the masks; public so that a checkpoint can save and restore it.
    public var generator: SeededGenerator

    private let output = Tensor(shape: Shape(0))  // input's shape
    private let inputGradient = Tensor(shape: Shape(0))  // input's shape
    private let mask = Tensor(shape: Shape(0))  // input's shape: 0 or 1/(1 − p)
    private var lastForwardDropped = false
    /// Samples of the global batch before and after this process's share (data-parallel training;
    /// (0, 0) in one process). A training forward skips the draws of the other processes' samples,
    /// so every process draws exactly the masks one process would draw for the whole batch, and
    /// all generators stay equal.
    public var share: (before: Int, after: Int) = (0, 0)

    /// - Precondition: 0 ≤ probability ≤ 1 (p = 1 zeroes everything, as in PyTorch).
    public init(probability: Float, seed: UInt64) {
        precondition(probability >= 0 && probability <= 1, "dropout probability must be in [0, 1], got \(probability)")
        self.probability = probability
        self.generator = SeededGenerator(seed: seed)
    }

    public var summary: String { "dropout \(probability)" }
    public func outputShape(for input: Shape) -> Shape { input }

    public func forward(_ input: Tensor, mode: Mode) -> Tensor {
        output.copy(from: input)
        lastForwardDropped = mode == .training && probability > 0
        guard lastForwardDropped else { return output }
        mask.resize(to: input.shape)
        let scale: Float = probability < 1 ? 1 / (1 - probability) : 0
        let m = mask.data, y = output.data
        let perSample = input.shape.batch > 0 ? input.count / input.shape.batch : 0
        for _ in 0..<(share.before * perSample) { _ = generator.next() }
        for i in 0..<input.count {
            let keep = generator.nextUnitFloat() >= probability
            m[i] = keep ? scale : 0
            y[i] *= m[i]
        }
        for _ in 0..<(share.after * perSample) { _ = generator.next() }
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient else { return nil }
        checkOutputGradient(outputGradient, expected: output.shape, layer: summary)
        inputGradient.copy(from: outputGradient)
        if lastForwardDropped {
            let m = mask.data, dx = inputGradient.data
            for i in 0..<inputGradient.count { dx[i] *= m[i] }
        }
        return inputGradient
    }
}
