import ArgumentParser
import CNNNorms
import CNNTraining
import Foundation

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model (the default subcommand: `cnntrain --norm group`).",
        discussion: """
        Writes a run directory (--out) with config.json, metrics.csv (one line per epoch), summary.json and checkpoint.safetensors (PyTorch state_dict names; loads with load_state_dict(strict=True)). Default recipe: SGD momentum 0.9, lr 0.05 with cosine decay, weight decay 5e-4, batch 64, 10 epochs.
        """)

    @Option(help: "Model: a name in Models/ (smallcnn, lenet, resnet) or a path to a .cfg file.")
    var model = "smallcnn"
    @Option(help: "Dataset: a folder of IDX files (.gz or plain), an ImageFolder tree (class/*.png|jpg), or CIFAR-10 binary batches. Default: Fashion-MNIST from Debian's dataset-fashion-mnist.")
    var data: String?
    @Option(help: "Norm for every norm slot of the model: \(NormKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var norm: NormKind = .group
    @Option(help: "GroupNorm's group count; must divide every normed channel count. Default: a slot's groups=, else 8.")
    var groups: Int?
    @Option(help: "Norm before or after the activation that follows its slot: before, after.")
    var normPosition: NormPosition = .before
    @Option(help: "Epochs to train (default 10; with --resume, the run's own count unless given).")
    var epochs: Int?
    @Option(help: "Images per training step.")
    var batchSize = 64
    @Option(name: .customLong("lr"), help: "Base learning rate.")
    var learningRate: Float = 0.05
    @Option(help: "Optimizer: sgd (PyTorch's SGD with momentum) or adamw.")
    var optimizer = "sgd"
    @Option(help: "SGD momentum (0 disables it).")
    var momentum: Float = 0.9
    @Flag(help: "Nesterov momentum (SGD).")
    var nesterov = false
    @Option(help: "Weight decay (SGD adds wd·w to the gradient as PyTorch; AdamW decoupled).")
    var weightDecay: Float = 5e-4
    @Option(help: "Learning-rate schedule: constant, cosine, or step:EPOCHS:GAMMA (e.g. step:3:0.1).")
    var schedule = "cosine"
    @Option(help: "Linear learning-rate warm-up over this many steps.")
    var warmup = 0
    @Option(help: "Label smoothing of the cross-entropy loss (0 to 1).")
    var labelSmoothing: Float = 0
    @Flag(help: "Augment training images (random crop with 2-pixel padding, horizontal flip).")
    var augment = false
    @Option(help: "Random seed: the same seed and thread count give the same run.")
    var seed: UInt64 = 1
    @OptionGroup var threadOptions: ThreadOptions
    @Option(help: "Run directory. Default: runs/<date>-<model>-<norm>.")
    var out: String?
    @Option(help: "Continue a run from its checkpoint (a checkpoint file or a run directory).")
    var resume: String?
    @Option(name: .customLong("init"), help: "Start from a checkpoint's weights (a new run with this command's recipe).")
    var initialize: String?
    @Flag(help: "Stop on the first unreadable image instead of skipping it with a warning.")
    var strict = false
    @Option(help: "Use only N training images: a class-stratified subset seeded by --seed, the same on every dataset kind (quick experiments).")
    var trainLimit: Int?
    @Option(help: "Use only N test images: a class-stratified subset seeded by --seed (eval takes the same ones).")
    var testLimit: Int?
    @Option(help: "Validation fraction split off (seeded by --seed) an ImageFolder tree that has no test/ or val/ folder.")
    var validationFraction: Double = 0.1
    @Flag(help: "Do not cache decoded ImageFolder trees (cache: $CNNTRAIN_CACHE or ~/.cache/cnntrain).")
    var noCache = false
    @Flag(help: "Print only the final result.")
    var quiet = false
    @Flag(help: "Time every layer's forward and backward and each kind of work (GEMM, im2col/col2im, norm, activation, pooling, loss, optimizer, data); print the tables at the end and write profile.json to the run directory.")
    var profile = false

    func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs \(epochs) is not allowed; use 1 or more") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size \(batchSize) is not allowed; use 1 or more") }
        guard learningRate > 0, learningRate.isFinite else { throw ValidationError("--lr \(learningRate) is not allowed; use a positive number") }
        guard ["sgd", "adamw"].contains(optimizer) else { throw ValidationError("--optimizer \(optimizer) is not allowed; use sgd or adamw") }
        guard momentum >= 0, momentum < 1 else { throw ValidationError("--momentum \(momentum) is not allowed; use 0 ≤ m < 1") }
        guard weightDecay >= 0, weightDecay.isFinite else { throw ValidationError("--weight-decay \(weightDecay) is not allowed; use a finite number, 0 or more") }
        guard warmup >= 0 else { throw ValidationError("--warmup \(warmup) is not allowed; use 0 or more") }
        guard labelSmoothing >= 0, labelSmoothing < 1 else { throw ValidationError("--label-smoothing \(labelSmoothing) is not allowed; use 0 ≤ s < 1") }
        if let groups, groups < 1 { throw ValidationError("--groups \(groups) is not allowed; use 1 or more") }
        if let trainLimit, trainLimit < 1 { throw ValidationError("--train-limit must be at least 1") }
        if let testLimit, testLimit < 1 { throw ValidationError("--test-limit must be at least 1") }
        guard validationFraction > 0, validationFraction < 1 else { throw ValidationError("--validation-fraction must be between 0 and 1") }
        if resume != nil && initialize != nil { throw ValidationError("--resume and --init cannot be combined") }
    }

    var trainingOptions: TrainingOptions {
        var options = TrainingOptions()
        options.model = model
        options.data = data
        options.norm = norm.rawValue
        options.groups = groups
        options.normPosition = normPosition.rawValue
        options.epochs = epochs ?? 10
        options.batchSize = batchSize
        options.learningRate = learningRate
        options.optimizer = optimizer
        options.momentum = momentum
        options.nesterov = nesterov
        options.weightDecay = weightDecay
        options.schedule = schedule
        options.warmupSteps = warmup
        options.labelSmoothing = labelSmoothing
        options.augment = augment
        options.seed = seed
        options.threads = threadOptions.threads
        options.trainLimit = trainLimit
        options.testLimit = testLimit
        options.validationFraction = validationFraction
        options.strict = strict
        options.cache = !noCache
        return options
    }

    func run() throws {
        try runReportingErrors {
            let printer = ProgressPrinter(quiet: quiet)
            let outPath = out ?? resume.flatMap { path -> String? in
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue ? path : nil
            } ?? RunDirectory.defaultPath(model: model, norm: norm.rawValue)
            let trainer = try Trainer(options: trainingOptions, run: RunDirectory(path: outPath),
                                      resume: resume.map { Trainer.Resume(path: $0, epochs: epochs) },
                                      initialize: initialize, printer: printer)
            trainer.profile = profile
            let summary = try trainer.train()
            print(String(format: "test accuracy %.2f%% (%@, --norm %@, %d epoch%@, %d parameters of which %d in norms, %.0f train images/s) → %@",
                         summary.finalTestAccuracy * 100, summary.model, summary.norm, summary.epochs, summary.epochs == 1 ? "" : "s", summary.parameterCount,
                         summary.normParameterCount, summary.meanImagesPerSecond, outPath))
        }
    }
}
