import ArgumentParser
import CNNTraining

/// How `train` trains: epochs, batch, optimizer, schedule, loss, augmentation, seed. Optional, so
/// that `--resume` and `--config` can tell which were given; the defaults are TrainingOptions()'s.
struct RecipeOptions: ParsableArguments {
    @Option(
        help:
            "Epochs to train (default 10). With --resume: the total to reach, to extend a finished or interrupted run (its cosine schedule is stretched to the new total)."
    )
    var epochs: Int?
    @Option(
        help:
            "Train N optimizer steps in all instead of --epochs: the epochs are as many as N steps take, the last one cut short, and the schedule spans N steps (so runs with other batch sizes take equal steps). Default: --epochs whole epochs."
    )
    var steps: Int?
    @Option(
        help:
            "Evaluate a fixed class-stratified subset of N training images (seeded by --seed) in inference mode after every epoch, beside the test set, to measure over-fitting; 0 turns it off. Default: as many as the test set has (at most the training set)."
    )
    var trainEvalImages: Int?
    @Option(
        help:
            "Images per training step (default 64), over all processes when run with mpirun: each of W processes takes batch-size/W (which must divide). A batch larger than the training set is the whole set; a batch whose activations do not fit in memory is refused before training."
    )
    var batchSize: Int?
    @Option(name: .customLong("lr"), help: "Base learning rate (default 0.05).")
    var learningRate: Float?
    @Option(help: "Optimizer: sgd (PyTorch's SGD with momentum) or adamw. Default: sgd.")
    var optimizer: OptimizerKind?
    @Option(help: "SGD momentum (0 disables it). Default: 0.9.")
    var momentum: Float?
    @Flag(help: "Nesterov momentum (SGD).")
    var nesterov = false
    @Option(help: "Weight decay (SGD adds wd·w to the gradient as PyTorch; AdamW decoupled). Default: 5e-4.")
    var weightDecay: Float?
    @Option(
        help:
            "Learning-rate schedule: constant, cosine, cosine:FLOOR, or step:EPOCHS:GAMMA (e.g. step:3:0.1). Default: cosine.",
        transform: { try LearningRateSchedule.Decay(parsing: $0) })
    var schedule: LearningRateSchedule.Decay?
    @Option(help: "Linear learning-rate warm-up over this many steps. Default: 0.")
    var warmup: Int?
    @Option(help: "Label smoothing of the cross-entropy loss (0 to 1). Default: 0.")
    var labelSmoothing: Float?
    @Option(
        name: .customLong("clip-grad-norm"),
        help: ArgumentHelp(
            "Clip the gradients before each optimizer step so that their total 2-norm over all parameters is at most MAX (PyTorch's clip_grad_norm_). Default: no clipping.",
            valueName: "max"))
    var clipGradientNorm: Float?
    @Flag(help: "Augment training images (random crop with 2-pixel padding, horizontal flip).")
    var augment = false
    @Option(help: "Random seed: the same seed and thread count give the same run. Default: 1.")
    var seed: UInt64?

    func validate() throws {
        var options = TrainingOptions()
        apply(to: &options)
        try options.validateForCommandLine()
    }

    /// Sets the options that were given (the flags only turn their setting on).
    func apply(to options: inout TrainingOptions) {
        if let epochs { options.epochs = epochs }
        if let steps { options.steps = steps }
        if let trainEvalImages { options.trainEvalImages = trainEvalImages }
        if let batchSize { options.batchSize = batchSize }
        if let learningRate { options.learningRate = learningRate }
        if let optimizer { options.optimizer = optimizer }
        if let momentum { options.momentum = momentum }
        if nesterov { options.nesterov = true }
        if let weightDecay { options.weightDecay = weightDecay }
        if let schedule { options.schedule = schedule }
        if let warmup { options.warmupSteps = warmup }
        if let labelSmoothing { options.labelSmoothing = labelSmoothing }
        if let clipGradientNorm { options.clipGradientNorm = clipGradientNorm }
        if augment { options.augment = true }
        if let seed { options.seed = seed }
    }

    /// The options given on the command line, `--epochs` aside (the one `--resume` allows).
    var givenBesideEpochs: [String] {
        [
            ("--batch-size", batchSize != nil), ("--lr", learningRate != nil), ("--optimizer", optimizer != nil),
            ("--momentum", momentum != nil), ("--nesterov", nesterov), ("--weight-decay", weightDecay != nil),
            ("--schedule", schedule != nil), ("--warmup", warmup != nil), ("--label-smoothing", labelSmoothing != nil),
            ("--clip-grad-norm", clipGradientNorm != nil), ("--steps", steps != nil),
            ("--train-eval-images", trainEvalImages != nil),
            ("--augment", augment), ("--seed", seed != nil)
        ].filter(\.1).map(\.0)
    }
}
