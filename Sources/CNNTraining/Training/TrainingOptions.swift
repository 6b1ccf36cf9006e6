import CNNModels
import CNNNorms

/// Everything that defines a training run, typed. Stored as `config.json` in the run directory and
/// in checkpoints, so a run can be resumed and reproduced; `cnntrain train --config FILE` reads it,
/// and studies and speed comparisons hand it to their child runs.
///
/// The JSON form is that of earlier versions: the enums code as their raw strings ("group",
/// "before", "sgd") and the schedule as its text ("cosine", "step:3:0.1"); fields added later are
/// optional, so older files still decode.
public struct TrainingOptions: Codable, Equatable, Sendable {
    public var model = "smallcnn"
    /// nil: Fashion-MNIST from Debian's dataset-fashion-mnist.
    public var data: String? = nil
    public var norm: NormKind = .group
    public var groups: Int? = nil
    public var normPosition: NormPosition = .before
    public var epochs = 10
    public var batchSize = 64
    public var learningRate: Float = 0.05
    public var optimizer: OptimizerKind = .sgd
    public var momentum: Float = 0.9
    public var nesterov = false
    public var weightDecay: Float = 5e-4
    public var schedule: LearningRateSchedule.Decay = .cosine(floor: 0)
    public var warmupSteps = 0
    public var labelSmoothing: Float = 0
    public var augment = false
    public var seed: UInt64 = 1
    public var threads = 2
    /// Limits the training set to its first N images (quick experiments and tests); nil = all.
    public var trainLimit: Int? = nil
    public var testLimit: Int? = nil
    public var validationFraction: Double = 0.1
    public var strict = false
    /// Cache decoded ImageFolder trees on disk (see RunDirectory.cacheDirectory).
    public var cache = true

    public init() {}
}

/// The optimizer of a run (`--optimizer`).
public enum OptimizerKind: String, CaseIterable, Codable, Sendable {
    /// PyTorch's SGD with momentum, Nesterov and weight decay.
    case sgd
    /// PyTorch's AdamW (decoupled weight decay).
    case adamw
}
