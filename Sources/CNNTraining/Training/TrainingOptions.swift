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
    /// The largest total 2-norm of all gradients before each optimizer step (`GradientClipping`);
    /// nil: no clipping.
    public var clipGradientNorm: Float? = nil
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

    // The grid axes of the course-notes studies (issue 16). nil: the model file decides.
    /// `--activation`: replaces every activation layer of the model (relu, sigmoid, tanh, silu, leakyrelu).
    public var activation: String? = nil
    /// `--dropout P`: the probability of every dropout layer of the model (0 ≤ P < 1).
    public var dropout: Float? = nil
    /// `--conv-bias yes|no`: every conv layer has a bias (yes) or none has (no). nil: a conv in
    /// front of a norm has none (the norm's β replaces it), the others have one.
    public var convBias: Bool? = nil
    /// `--init-gain G`: every conv and linear weight is multiplied by G after PyTorch's default
    /// initialization (biases and norm parameters are untouched). nil: 1.
    public var initGain: Float? = nil
    /// `--steps N`: train N optimizer steps in all instead of `epochs` epochs (the last epoch is
    /// cut short; the schedule spans N steps), so that runs with other batch sizes take equal steps.
    public var steps: Int? = nil
    /// `--train-eval-images N`: a fixed, class-stratified subset of the training set evaluated in
    /// inference mode after every epoch (beside the running training accuracy), so that train −
    /// test accuracy measures over-fitting. nil: as many as the test set has (at most the training
    /// set); 0: off.
    public var trainEvalImages: Int? = nil

    public init() {}
}

extension TrainingOptions {
    /// Checks every value against what a run accepts, the one check of every entry point (the
    /// command line, `--config` files, studies, speed probes, the trainer itself).
    /// - Throws: `InvalidOption` naming the command-line option, e.g. "--epochs 0 is not allowed; use 1 or more".
    public func validate() throws {
        func check(_ condition: Bool, _ message: @autoclosure () -> String) throws {
            if !condition { throw InvalidOption(message()) }
        }
        try check(epochs >= 1, "--epochs \(epochs) is not allowed; use 1 or more")
        try check(batchSize >= 1, "--batch-size \(batchSize) is not allowed; use 1 or more")
        try check(
            learningRate > 0 && learningRate.isFinite, "--lr \(learningRate) is not allowed; use a positive number")
        try check(momentum >= 0 && momentum < 1, "--momentum \(momentum) is not allowed; use 0 ≤ m < 1")
        try check(
            weightDecay >= 0 && weightDecay.isFinite,
            "--weight-decay \(weightDecay) is not allowed; use a finite number, 0 or more")
        try check(warmupSteps >= 0, "--warmup \(warmupSteps) is not allowed; use 0 or more")
        try check(
            labelSmoothing >= 0 && labelSmoothing < 1,
            "--label-smoothing \(labelSmoothing) is not allowed; use 0 ≤ s < 1")
        if let clipGradientNorm {
            try check(
                clipGradientNorm > 0 && clipGradientNorm.isFinite,
                "--clip-grad-norm \(clipGradientNorm) is not allowed; use a positive number")
        }
        if let groups { try check(groups >= 1, "--groups \(groups) is not allowed; use 1 or more") }
        try check((1...256).contains(threads), "--threads \(threads) is not allowed; use 1 to 256")
        if let trainLimit { try check(trainLimit >= 1, "--train-limit \(trainLimit) is not allowed; use 1 or more") }
        if let testLimit { try check(testLimit >= 1, "--test-limit \(testLimit) is not allowed; use 1 or more") }
        try check(
            validationFraction > 0 && validationFraction < 1,
            "--validation-fraction \(validationFraction) is not allowed; use a number between 0 and 1")
        try schedule.validate()
        try validateGridAxes()
    }

    /// The options of the study grid axes (issue 16).
    private func validateGridAxes() throws {
        func check(_ condition: Bool, _ message: @autoclosure () -> String) throws {
            if !condition { throw InvalidOption(message()) }
        }
        if let activation {
            let allowed = ModelOverrides.activationKeywords
            try check(
                allowed.contains(activation),
                "--activation \(activation) is not allowed; use one of \(allowed.joined(separator: ", "))")
        }
        if let dropout { try check(dropout >= 0 && dropout < 1, "--dropout \(dropout) is not allowed; use 0 ≤ P < 1") }
        if let initGain {
            try check(
                initGain > 0 && initGain.isFinite, "--init-gain \(initGain) is not allowed; use a positive number")
        }
        if let steps { try check(steps >= 1, "--steps \(steps) is not allowed; use 1 or more") }
        if let trainEvalImages {
            try check(
                trainEvalImages >= 0, "--train-eval-images \(trainEvalImages) is not allowed; use 0 (off) or more")
        }
    }

    /// What `activation`, `dropout` and `convBias` change in the model (see `ModelResolver.resolve`).
    public var modelOverrides: ModelOverrides {
        ModelOverrides(activation: activation, dropout: dropout, convBias: convBias)
    }
}

/// A training option whose value a run does not accept; the message names the option and says what
/// is allowed.
public struct InvalidOption: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}

/// The optimizer of a run (`--optimizer`).
public enum OptimizerKind: String, CaseIterable, Codable, Sendable {
    /// PyTorch's SGD with momentum, Nesterov and weight decay.
    case sgd
    /// PyTorch's AdamW (decoupled weight decay).
    case adamw
}
