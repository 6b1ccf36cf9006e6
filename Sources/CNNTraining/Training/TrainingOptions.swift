import CNNNorms

/// Everything that defines a training run. Stored as `config.json` in the run directory and in
/// checkpoints, so a run can be resumed and reproduced.
public struct TrainingOptions: Codable, Equatable, Sendable {
    public var model = "smallcnn"
    /// nil: Fashion-MNIST from Debian's dataset-fashion-mnist.
    public var data: String? = nil
    public var norm = "group"
    public var groups: Int? = nil
    public var normPosition = "before"
    public var epochs = 10
    public var batchSize = 64
    public var learningRate: Float = 0.05
    public var optimizer = "sgd"
    public var momentum: Float = 0.9
    public var nesterov = false
    public var weightDecay: Float = 5e-4
    public var schedule = "cosine"
    public var warmupSteps = 0
    public var labelSmoothing: Float = 0
    public var augment = false
    public var seed: UInt64 = 1
    public var threads = 2
    /// Limits the training (test) set to N images, a seeded class-stratified subset
    /// (`StratifiedSubset`, seeded by `seed`) for quick experiments and tests; nil = all.
    public var trainLimit: Int? = nil
    public var testLimit: Int? = nil
    public var validationFraction: Double = 0.1
    public var strict = false
    /// Cache decoded ImageFolder trees on disk (see RunDirectory.cacheDirectory).
    public var cache = true

    public init() {}
}
