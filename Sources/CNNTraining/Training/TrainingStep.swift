import CNNCore
import CNNLayers

/// One optimisation step: forward → loss → zero gradients → backward → optimizer step.
///
/// The trainer and the speed benchmark (`cnntrain bench train`) both run this, so the benchmark
/// times exactly what training does. When a `Profiler` is on, it times the loss and the optimizer
/// here; the layers time themselves (see `Profiler`).
final class TrainingStep {
    let model: Sequential
    let parameters: [Parameter]
    let lossFunction: SoftmaxCrossEntropy
    let optimizer: Optimizer

    /// - Parameter options: the run's recipe (the step reads its loss and gradient settings).
    init(model: Sequential, optimizer: Optimizer, options: TrainingOptions) {
        self.model = model
        self.parameters = model.namedParameters().map(\.parameter)
        self.lossFunction = SoftmaxCrossEntropy(labelSmoothing: options.labelSmoothing)
        self.optimizer = optimizer
    }

    /// Trains on one batch and returns its mean loss and correct predictions. When the loss is not
    /// finite, nothing is updated (the caller stops the run).
    func run(images: Tensor, labels: [Int32], learningRate: Float) -> (loss: Float, correct: Int) {
        let logits = model.forward(images, mode: .training)
        let (loss, correct) = Profiler.timed(.loss) { lossFunction.forward(logits: logits, labels: labels) }
        guard loss.isFinite else { return (loss, correct) }
        Profiler.timed(.optimizer) { for parameter in parameters { parameter.gradient.zero() } }
        let lossGradient = Profiler.timed(.loss) { lossFunction.backward() }
        _ = model.backward(lossGradient, needsInputGradient: false)
        Profiler.timed(.optimizer) { optimizer.step(learningRate: learningRate) }
        return (loss, correct)
    }
}
