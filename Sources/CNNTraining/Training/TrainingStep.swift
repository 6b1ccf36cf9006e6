import CNNCore
import CNNLayers

/// One optimisation step: forward → loss → zero gradients → backward → (clip) → optimizer step.
///
/// The trainer and the speed benchmark (`cnntrain bench train`) both run this, so the benchmark
/// times exactly what training does. When a `Profiler` is on, it times the loss and the optimizer
/// here; the layers time themselves (see `Profiler`).
package final class TrainingStep {
    let model: Sequential
    let parameters: [Parameter]
    let lossFunction: SoftmaxCrossEntropy
    let optimizer: Optimizer
    let clipGradientNorm: Float?

    /// - Parameter options: the run's recipe (the step reads its loss and gradient settings).
    package init(model: Sequential, optimizer: Optimizer, options: TrainingOptions) {
        self.model = model
        self.parameters = model.namedParameters().map(\.parameter)
        self.lossFunction = SoftmaxCrossEntropy(labelSmoothing: options.labelSmoothing)
        self.optimizer = optimizer
        self.clipGradientNorm = options.clipGradientNorm
    }

    /// Trains on one batch and returns its mean loss and correct predictions. When the loss is not
    /// finite, nothing is updated (the caller stops the run).
    package func run(images: Tensor, labels: [Int32], learningRate: Float) -> (loss: Float, correct: Int) {
        let logits = model.forward(images, mode: .training)
        let (loss, correct) = Profiler.timed(.loss) { lossFunction.forward(logits: logits, labels: labels) }
        guard loss.isFinite else { return (loss, correct) }
        Profiler.timed(.optimizer) { for parameter in parameters { parameter.gradient.zero() } }
        let lossGradient = Profiler.timed(.loss) { lossFunction.backward() }
        _ = model.backward(lossGradient, needsInputGradient: false)
        if let clipGradientNorm {
            Profiler.timed(.optimizer) { _ = GradientClipping.clip(parameters, maxNorm: clipGradientNorm) }
        }
        Profiler.timed(.optimizer) { optimizer.step(learningRate: learningRate) }
        return (loss, correct)
    }
}

/// Gradient clipping by the total norm, as `torch.nn.utils.clip_grad_norm_` with norm_type 2:
///
///     n = √(Σ over all parameters' gradients of g²)
///     g ← g · max / (n + 1e-6)   for every gradient, when max / (n + 1e-6) < 1 (else unchanged)
///
/// The sum is taken in Double. `--clip-grad-norm MAX` applies it after backward, before every
/// optimizer step (so SGD's weight decay is added after clipping, as in PyTorch).
public enum GradientClipping {
    /// Clips the gradients of `parameters` in place and returns n, their total norm before clipping.
    /// - Precondition: maxNorm > 0.
    @discardableResult
    public static func clip(_ parameters: [Parameter], maxNorm: Float) -> Float {
        precondition(maxNorm > 0, "the largest gradient norm must be positive")
        var sumOfSquares = 0.0
        for parameter in parameters {
            let gradient = parameter.gradient.data
            for index in 0..<parameter.count { sumOfSquares += Double(gradient[index]) * Double(gradient[index]) }
        }
        let norm = Float(sumOfSquares.squareRoot())
        let scale = maxNorm / (norm + 1e-6)
        guard scale < 1 else { return norm }
        for parameter in parameters {
            let gradient = parameter.gradient.data
            for index in 0..<parameter.count { gradient[index] *= scale }
        }
        return norm
    }
}
