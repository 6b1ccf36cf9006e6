import Foundation

/// What a run writes about itself: its checkpoints and its summary.
extension Trainer {
    func saveCheckpoint() throws {
        try CheckpointWriter.write(
            to: run.checkpointPath, model: model, resolved: resolved, options: options,
            classNames: trainSet.classNames, normalization: normalization,
            optimizer: optimizer, trainerState: state)
    }

    /// `best.safetensors`: the weights of the epoch with the best test accuracy so far (the first
    /// such epoch on a tie), written atomically as the checkpoint is. It has no training state or
    /// optimizer sidecar: it is for `eval`, `predict`, `--init` and PyTorch, not for `--resume`.
    func saveCheckpoint(to path: String) throws {
        try CheckpointWriter.write(
            to: path, model: model, resolved: resolved, options: options,
            classNames: trainSet.classNames, normalization: normalization,
            optimizer: nil, trainerState: nil)
    }

    func makeSummary() -> TrainingSummary {
        let normParameters = model.normParameterCount
        let last = state.history.last
        // The first epoch with the highest test accuracy: the one best.safetensors holds.
        let best = state.history.reduce(nil as EpochRecord?) { best, record in
            best.map { record.testAccuracy > $0.testAccuracy ? record : $0 } ?? record
        }
        return TrainingSummary(
            model: resolved.name, norm: resolved.norm, normPosition: resolved.normPosition,
            groups: options.groups, batchSize: options.batchSize, learningRate: options.learningRate,
            epochs: state.completedEpochs, parameterCount: model.parameterCount,
            normParameterCount: normParameters,
            finalTestAccuracy: last?.testAccuracy ?? 0, finalTrainAccuracy: last?.trainAccuracy ?? 0,
            finalTrainLoss: last?.trainLoss ?? 0, finalTrainEvalAccuracy: last?.trainEvalAccuracy,
            trainEvalImages: trainEvalSet?.count ?? 0, steps: state.globalStep, finalTestLoss: last?.testLoss ?? 0,
            bestTestAccuracy: best?.testAccuracy ?? 0, bestEpoch: best?.epoch,
            bestCheckpoint: best == nil ? nil : run.bestCheckpointPath,
            meanImagesPerSecond: state.history.isEmpty
                ? 0 : state.history.map(\.imagesPerSecond).reduce(0, +) / Double(state.history.count),
            meanEpochSeconds: state.history.isEmpty
                ? 0 : state.history.map(\.seconds).reduce(0, +) / Double(state.history.count),
            inferenceImagesPerSecond: lastEvaluationSeconds.map { Double(testSet.count) / max($0, 1e-9) },
            trainImages: trainSet.count, testImages: testSet.count,
            threads: options.threads, seed: options.seed, history: state.history,
            checkpoint: run.checkpointPath)
    }
}
