import CNNCore
import CNNData
import CNNLayers
import Foundation

/// `--steps` and `--train-eval-images`: how many steps each epoch trains, and the fixed training
/// subset evaluated after each epoch.
extension Trainer {
    /// Batches of one epoch: the last one may be smaller (`Batcher` keeps it).
    static func stepsPerEpoch(trainCount: Int, batchSize: Int) -> Int { (trainCount + batchSize - 1) / batchSize }

    /// The epochs that `steps` optimizer steps take: the last one is cut short.
    static func epochs(steps: Int, stepsPerEpoch: Int) -> Int { (steps + stepsPerEpoch - 1) / stepsPerEpoch }

    /// The steps of the whole run, which the learning-rate schedule spans: `--steps`, else every
    /// batch of every epoch.
    var totalSteps: Int { options.steps ?? stepsPerEpoch * options.epochs }

    /// The steps epoch `epoch` (1-based) trains: a whole epoch, except the last of a `--steps` run.
    func stepCount(epoch: Int) -> Int {
        max(0, min(stepsPerEpoch, totalSteps - (epoch - 1) * stepsPerEpoch))
    }

    /// The `--train-eval-images` subset: N images of the training set chosen by `StratifiedSubset`
    /// with the run's seed (so the same images every epoch and on every resume); N defaults to the
    /// test set's size, at most the training set's; nil when N is 0.
    static func trainEvalSubset(of trainSet: ImageStore, testCount: Int, options: TrainingOptions) -> ImageStore? {
        let count = min(options.trainEvalImages ?? testCount, trainSet.count)
        guard count > 0 else { return nil }
        return trainSet.stratifiedSubset(limit: count, seed: DataSelection.trainEvalSeed(options.seed))
    }
}
