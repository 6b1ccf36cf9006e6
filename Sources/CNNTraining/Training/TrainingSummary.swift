/// What a finished run reports (`summary.json`).
public struct TrainingSummary: Codable, Sendable {
    public var model: String
    public var norm: String
    public var normPosition: String
    public var groups: Int?
    public var batchSize: Int
    public var learningRate: Float
    public var epochs: Int
    public var parameterCount: Int
    public var normParameterCount: Int
    public var finalTestAccuracy: Double
    public var finalTrainAccuracy: Double
    public var finalTrainLoss: Double
    /// The last epoch's accuracy on the fixed training subset in inference mode (nil: not measured).
    public var finalTrainEvalAccuracy: Double? = nil
    /// Images of that subset.
    public var trainEvalImages: Int? = nil
    /// Optimizer steps done in all.
    public var steps: Int? = nil
    public var finalTestLoss: Double
    public var bestTestAccuracy: Double
    /// The epoch whose weights best.safetensors holds (the first with the best test accuracy).
    public var bestEpoch: Int?
    /// best.safetensors of the run (weights only: for eval, predict, --init; not for --resume).
    public var bestCheckpoint: String?
    public var meanImagesPerSecond: Double
    public var meanEpochSeconds: Double
    /// Test images per second of the last epoch's evaluation (inference mode, batches of 256);
    /// nil when this process evaluated nothing (a resumed run that had no epoch left).
    public var inferenceImagesPerSecond: Double?
    public var trainImages: Int
    public var testImages: Int
    public var threads: Int
    public var seed: UInt64
    public var history: [EpochRecord]
    public var checkpoint: String
    /// Processes of a data-parallel run (nil: one).
    public var processes: Int? = nil
}

extension TrainingSummary {
    /// Optimizer steps the run took; a summary written before runs counted them gives the steps
    /// of its epochs (every batch of the training set, the last one smaller).
    public var optimizerSteps: Int {
        steps ?? epochs * Trainer.stepsPerEpoch(trainCount: trainImages, batchSize: max(batchSize, 1))
    }
}
