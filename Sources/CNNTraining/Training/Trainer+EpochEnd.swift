import Foundation

/// What one epoch measured: its running training figures and, after it, the evaluations in
/// inference mode (on the test set and on the fixed training subset).
struct EpochMeasurements {
    var epoch: Int
    var lossSum: Double
    var correct: Int
    var seen: Int
    var learningRate: Float
    /// Seconds of training, without the evaluations.
    var seconds: Double
    var test: (loss: Double, accuracy: Double)
    var trainEvaluation: (loss: Double, accuracy: Double)?
}

/// The end of an epoch, the same in one process and in a data-parallel job.
extension Trainer {
    /// Weights whose every training batch gave a finite loss can still overflow on the test set;
    /// their epoch is not kept (a NaN cannot be written to the JSON of checkpoints and summaries).
    func checkFinite(_ epoch: EpochMeasurements) throws {
        guard !epoch.test.loss.isFinite || !epoch.lossSum.isFinite else { return }
        let which = epoch.test.loss.isFinite ? "the mean training loss" : "the test loss"
        let kind = epoch.test.loss.isNaN || epoch.lossSum.isNaN ? "NaN" : "infinite"
        let kept =
            state.completedEpochs > 0
            ? "The last good checkpoint is kept: \(run.checkpointPath) (epoch \(state.completedEpochs))."
            : "No epoch finished, so there is no checkpoint."
        throw TrainingError(
            "training diverged: \(which) of epoch \(epoch.epoch) is \(kind) (learning rate \(epoch.learningRate)). \(kept) Try a lower --lr, a warm-up (--warmup 500), or a norm layer (--norm batch)."
        )
    }

    /// Records the epoch in the history and prints it; `writes` (rank 0) saves the checkpoint, the
    /// best weights so far and metrics.csv.
    func keep(_ epoch: EpochMeasurements, shuffleState: [UInt64], writes: Bool) throws {
        let seen = Double(epoch.seen)
        var record = EpochRecord(
            epoch: epoch.epoch, trainLoss: epoch.lossSum / seen, trainAccuracy: Double(epoch.correct) / seen,
            testLoss: epoch.test.loss, testAccuracy: epoch.test.accuracy, learningRate: Double(epoch.learningRate),
            seconds: epoch.seconds, imagesPerSecond: seen / epoch.seconds)
        if let trainEvaluation = epoch.trainEvaluation {
            record.trainEvalAccuracy = trainEvaluation.accuracy
            // A non-finite loss cannot be written to JSON; the accuracy still says how the epoch went.
            record.trainEvalLoss = trainEvaluation.loss.isFinite ? trainEvaluation.loss : nil
        }
        state.completedEpochs = epoch.epoch
        state.history.append(record)
        state.shuffleGeneratorState = shuffleState
        printer.epochDone(record, epochs: options.epochs)
        guard writes else { return }
        let isBest = state.history.dropLast().allSatisfy { $0.testAccuracy < record.testAccuracy }
        try saveCheckpoint()
        if isBest { try saveCheckpoint(to: run.bestCheckpointPath) }
        try run.writeMetrics(state.history)
    }
}
