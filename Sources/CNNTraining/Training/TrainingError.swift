/// A failure of a training run with a message that says what to do.
public struct TrainingError: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }

    static func diverged(loss: Float, epoch: Int, step: Int, learningRate: Float, checkpoint: String?) -> TrainingError
    {
        let kept =
            checkpoint.map { "The last good checkpoint is kept: \($0)." }
            ?? "No epoch finished, so there is no checkpoint."
        return TrainingError(
            "training diverged: the loss became \(loss.isNaN ? "NaN" : loss > 0 ? "+infinity" : "-infinity") at epoch \(epoch), step \(step) (learning rate \(learningRate)). \(kept) Try a lower --lr, a warm-up (--warmup 500), or a norm layer (--norm batch)."
        )
    }
}
