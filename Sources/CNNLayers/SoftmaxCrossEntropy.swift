import CNNCore

// Legend (this file): N = batch size, K = classes.

/// Softmax followed by cross-entropy, averaged over the batch, as
/// `torch.nn.CrossEntropyLoss(label_smoothing: ε)` (reduction "mean"). Not a `Layer`: it ends the
/// network and turns logits and labels into a loss and ∂loss/∂logits.
///
/// Per sample, with log-probabilities ℓ = logits − logsumexp(logits) (max-subtracted, summed in
/// Double): loss = (1 − ε)·(−ℓ[label]) + ε·(−mean(ℓ)). The gradient w.r.t. the logits is
/// (softmax − target)/N with target = (1 − ε)·onehot(label) + ε/K.
public final class SoftmaxCrossEntropy {
    public let labelSmoothing: Float

    private let softmax = Tensor(shape: Shape(0))  // (N, K) of the last forward
    private let gradient = Tensor(shape: Shape(0))  // logits' shape
    private var labels: [Int32] = []  // (N) of the last forward
    private var logitsShape: Shape?

    /// - Precondition: 0 ≤ labelSmoothing ≤ 1.
    public init(labelSmoothing: Float = 0) {
        precondition(
            labelSmoothing >= 0 && labelSmoothing <= 1, "label smoothing must be in [0, 1], got \(labelSmoothing)")
        self.labelSmoothing = labelSmoothing
    }

    /// Mean loss over the batch and the number of samples whose largest logit is their label.
    /// - Parameters:
    ///   - logits: (N, K), or (N, K, 1, 1).
    ///   - labels: N class indices in 0..<K.
    public func forward(logits: Tensor, labels: [Int32]) -> (loss: Float, correct: Int) {
        let N = logits.shape.batch, K = logits.shape.sampleCount
        precondition(K >= 1, "loss: logits \(logits.shape) have no classes")
        precondition(labels.count == N, "loss: \(labels.count) labels for \(N) samples")
        softmax.resize(to: Shape(N, K))
        self.labels = labels
        logitsShape = logits.shape
        let x = logits.data, p = softmax.data, smoothing = Double(labelSmoothing)
        var total = 0.0, correct = 0
        for n in 0..<N {
            let row = x + n * K, probabilities = p + n * K
            let label = Int(labels[n])
            precondition(label >= 0 && label < K, "loss: label \(label) of sample \(n) is not in 0..<\(K)")
            var maximum = row[0], argmax = 0
            for k in 1..<K where row[k] > maximum { maximum = row[k]; argmax = k }
            if argmax == label { correct += 1 }
            var sumExp = 0.0, sumLogits = 0.0
            for k in 0..<K {
                let shifted = Double(row[k] - maximum)
                sumExp += exponential(shifted)
                sumLogits += shifted
            }
            let logSumExp = logarithm(sumExp)  // of the shifted logits
            for k in 0..<K { probabilities[k] = Float(exponential(Double(row[k] - maximum) - logSumExp)) }
            let negativeLogLikelihood = logSumExp - Double(row[label] - maximum)
            let smoothLoss = logSumExp - sumLogits / Double(K)  // −mean(ℓ)
            total += (1 - smoothing) * negativeLogLikelihood + smoothing * smoothLoss
        }
        return (Float(total / Double(N)), correct)
    }

    /// ∂(mean loss)/∂logits for the last forward, in the logits' shape (a tensor this object owns).
    public func backward() -> Tensor {
        guard let shape = logitsShape else { preconditionFailure("loss: backward without a forward") }
        gradient.resize(to: shape)
        let N = shape.batch, K = shape.sampleCount
        let p = softmax.data, g = gradient.data
        let invN = 1 / Float(N), offLabel = labelSmoothing / Float(K), onLabel = 1 - labelSmoothing + offLabel
        for n in 0..<N {
            let label = Int(labels[n])
            for k in 0..<K {
                g[n * K + k] = (p[n * K + k] - (k == label ? onLabel : offLabel)) * invN
            }
        }
        return gradient
    }

    /// Softmax of each row of `logits` (N, K) → a new (N, K) tensor, for prediction.
    public func probabilities(logits: Tensor) -> Tensor {
        let N = logits.shape.batch, K = logits.shape.sampleCount
        let result = Tensor(shape: Shape(N, K))
        for n in 0..<N {
            let row = logits.data + n * K, out = result.data + n * K
            var maximum = row[0]
            for k in 0..<K { maximum = max(maximum, row[k]) }
            var sum = 0.0
            for k in 0..<K { sum += exponential(Double(row[k] - maximum)) }
            for k in 0..<K { out[k] = Float(exponential(Double(row[k] - maximum)) / sum) }
        }
        return result
    }
}
