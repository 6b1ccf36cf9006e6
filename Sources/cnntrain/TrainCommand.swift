import ArgumentParser
import CNNCore
import CNNDistributed
import CNNModels
import CNNNorms
import CNNTraining
import Foundation

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model (the default subcommand: `cnntrain --norm group`).",
        discussion: """
        Writes a run directory (--out) with config.json, metrics.csv (one line per epoch), summary.json, checkpoint.safetensors (the last epoch; PyTorch state_dict names, loads with load_state_dict(strict=True)) and best.safetensors (the epoch with the best test accuracy). Default recipe: SGD momentum 0.9, lr 0.05 with cosine decay, weight decay 5e-4, batch 64, 10 epochs.

        Ctrl-C or SIGTERM stops the run between two steps: the last epoch's checkpoint is kept, the message says how to --resume, and the exit status is 130 (SIGINT) or 143 (SIGTERM). Exit status: 0 done; 64 bad input (an option, a file or folder, the model, the data, a checkpoint), refused before training; 1 a failure while training (divergence, a write that failed).
        """)

    // The recipe options are optional so that `--resume` can tell which were given (it refuses
    // them: the recipe comes from the run); their defaults are TrainingOptions()'s.
    @Option(help: "Model: a name in Models/ (smallcnn, lenet, resnet) or a path to a .cfg file. Default: smallcnn.")
    var model: String?
    @Option(help: "Dataset: a folder of IDX files (.gz or plain), an ImageFolder tree (class/*.png|jpg), or CIFAR-10 binary batches. Default: Fashion-MNIST from Debian's dataset-fashion-mnist.")
    var data: String?
    @Option(help: "Norm for every norm slot of the model: \(NormKind.allCases.map(\.rawValue).joined(separator: ", ")). Default: group.")
    var norm: NormKind?
    @Option(help: "GroupNorm's group count; must divide every normed channel count. Default: a slot's groups=, else 8.")
    var groups: Int?
    @Option(help: "Norm before or after the activation that follows its slot: before, after. Default: before.")
    var normPosition: NormPosition?
    @Option(help: "Epochs to train (default 10). With --resume: the total to reach, to extend a finished or interrupted run (its cosine schedule is stretched to the new total).")
    var epochs: Int?
    @Option(help: "Images per training step (default 64), over all processes when run with mpirun: each of W processes takes batch-size/W (which must divide). A batch larger than the training set is the whole set; a batch whose activations do not fit in memory is refused before training.")
    var batchSize: Int?
    @Option(name: .customLong("lr"), help: "Base learning rate (default 0.05).")
    var learningRate: Float?
    @Option(help: "Optimizer: sgd (PyTorch's SGD with momentum) or adamw. Default: sgd.")
    var optimizer: String?
    @Option(help: "SGD momentum (0 disables it). Default: 0.9.")
    var momentum: Float?
    @Flag(help: "Nesterov momentum (SGD).")
    var nesterov = false
    @Option(help: "Weight decay (SGD adds wd·w to the gradient as PyTorch; AdamW decoupled). Default: 5e-4.")
    var weightDecay: Float?
    @Option(help: "Learning-rate schedule: constant, cosine, or step:EPOCHS:GAMMA (e.g. step:3:0.1). Default: cosine.")
    var schedule: String?
    @Option(help: "Linear learning-rate warm-up over this many steps. Default: 0.")
    var warmup: Int?
    @Option(help: "Label smoothing of the cross-entropy loss (0 to 1). Default: 0.")
    var labelSmoothing: Float?
    @Flag(help: "Augment training images (random crop with 2-pixel padding, horizontal flip).")
    var augment = false
    @Option(help: "Random seed: the same seed and thread count give the same run. Default: 1.")
    var seed: UInt64?
    @OptionGroup var threadOptions: ThreadOptions
    @Option(help: "Run directory. Default: runs/<date>-<time>-<model>-<norm> (with -2, -3, … when that name is taken). A folder that already holds a run is refused unless --force or --resume is given.")
    var out: String?
    @Flag(help: "Replace the run that --out already holds (its checkpoints, metrics and summary are removed first).")
    var force = false
    @Option(help: "Continue a run (a run directory or its checkpoint.safetensors) with its own recipe: only --epochs (to extend it), --threads, --out, --quiet and --profile may be given with it. A run stopped before its first epoch ended starts again from the beginning.")
    var resume: String?
    @Option(name: .customLong("init"), help: "Start a new run from a checkpoint's weights (fine-tuning, with this command's recipe). When the data has another number of classes, the last layer starts from fresh weights and the others are loaded.")
    var initialize: String?
    @Flag(help: "Stop on the first unreadable image instead of skipping it with a warning.")
    var strict = false
    @Option(help: "Use only N training images: a class-stratified subset seeded by --seed, the same on every dataset kind (quick experiments).")
    var trainLimit: Int?
    @Option(help: "Use only N test images: a class-stratified subset seeded by --seed (eval takes the same ones).")
    var testLimit: Int?
    @Option(help: "Validation fraction split off (seeded by --seed) an ImageFolder tree that has no test/ or val/ folder. Default: 0.1.")
    var validationFraction: Double?
    @Flag(help: "Do not cache decoded ImageFolder trees (cache: $CNNTRAIN_CACHE or ~/.cache/cnntrain).")
    var noCache = false
    @Flag(help: "Print only the final result.")
    var quiet = false
    @Flag(help: "Time every layer's forward and backward and each kind of work (GEMM, im2col/col2im, norm, activation, pooling, loss, optimizer, data); print the tables at the end and write profile.json to the run directory.")
    var profile = false

    func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs \(epochs) is not allowed; use 1 or more") }
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size \(batchSize) is not allowed; use 1 or more") }
        if let learningRate, !(learningRate > 0 && learningRate.isFinite) { throw ValidationError("--lr \(learningRate) is not allowed; use a positive number") }
        if let optimizer, !["sgd", "adamw"].contains(optimizer) { throw ValidationError("--optimizer \(optimizer) is not allowed; use sgd or adamw") }
        if let momentum, !(momentum >= 0 && momentum < 1) { throw ValidationError("--momentum \(momentum) is not allowed; use 0 ≤ m < 1") }
        if let weightDecay, !(weightDecay >= 0 && weightDecay.isFinite) { throw ValidationError("--weight-decay \(weightDecay) is not allowed; use a finite number, 0 or more") }
        if let warmup, warmup < 0 { throw ValidationError("--warmup \(warmup) is not allowed; use 0 or more") }
        if let labelSmoothing, !(labelSmoothing >= 0 && labelSmoothing < 1) { throw ValidationError("--label-smoothing \(labelSmoothing) is not allowed; use 0 ≤ s < 1") }
        if let groups, groups < 1 { throw ValidationError("--groups \(groups) is not allowed; use 1 or more") }
        if let trainLimit, trainLimit < 1 { throw ValidationError("--train-limit \(trainLimit) is not allowed; use 1 or more") }
        if let testLimit, testLimit < 1 { throw ValidationError("--test-limit \(testLimit) is not allowed; use 1 or more") }
        if let validationFraction, !(validationFraction > 0 && validationFraction < 1) { throw ValidationError("--validation-fraction \(validationFraction) is not allowed; use a number between 0 and 1") }
        if resume != nil && initialize != nil { throw ValidationError("--resume and --init cannot be combined") }
        if resume != nil && force { throw ValidationError("--resume and --force cannot be combined: --resume continues the run, --force replaces it") }
        if let resume, !recipeOptionsGiven.isEmpty {
            throw ValidationError("--resume \(resume) continues the run with its own recipe, so \(recipeOptionsGiven.joined(separator: ", ")) cannot be given with it; with --resume only --epochs (to extend the run), --threads, --out, --quiet and --profile are allowed. To train with another recipe, start a new run (--init \(resume) starts it from the run's weights).")
        }
    }

    /// The recipe options given on the command line (those that `--resume` would otherwise ignore).
    var recipeOptionsGiven: [String] {
        let given: [(String, Bool)] = [
            ("--model", model != nil), ("--data", data != nil), ("--norm", norm != nil), ("--groups", groups != nil),
            ("--norm-position", normPosition != nil), ("--batch-size", batchSize != nil), ("--lr", learningRate != nil),
            ("--optimizer", optimizer != nil), ("--momentum", momentum != nil), ("--nesterov", nesterov),
            ("--weight-decay", weightDecay != nil), ("--schedule", schedule != nil), ("--warmup", warmup != nil),
            ("--label-smoothing", labelSmoothing != nil), ("--augment", augment), ("--seed", seed != nil),
            ("--strict", strict), ("--train-limit", trainLimit != nil), ("--test-limit", testLimit != nil),
            ("--validation-fraction", validationFraction != nil), ("--no-cache", noCache),
        ]
        return given.filter(\.1).map(\.0)
    }

    var trainingOptions: TrainingOptions {
        var options = TrainingOptions()
        options.model = model ?? options.model
        options.data = data
        options.norm = norm?.rawValue ?? options.norm
        options.groups = groups
        options.normPosition = normPosition?.rawValue ?? options.normPosition
        options.epochs = epochs ?? options.epochs
        options.batchSize = batchSize ?? options.batchSize
        options.learningRate = learningRate ?? options.learningRate
        options.optimizer = optimizer ?? options.optimizer
        options.momentum = momentum ?? options.momentum
        options.nesterov = nesterov
        options.weightDecay = weightDecay ?? options.weightDecay
        options.schedule = schedule ?? options.schedule
        options.warmupSteps = warmup ?? options.warmupSteps
        options.labelSmoothing = labelSmoothing ?? options.labelSmoothing
        options.augment = augment
        options.seed = seed ?? options.seed
        options.threads = threadOptions.threads
        options.trainLimit = trainLimit
        options.testLimit = testLimit
        options.validationFraction = validationFraction ?? options.validationFraction
        options.strict = strict
        options.cache = !noCache
        return options
    }

    /// Where the run goes, and what may be done with a run already there.
    func runDirectory(_ options: TrainingOptions) -> RunDirectory {
        if let resume {
            var isDirectory: ObjCBool = false
            let resumeFolder = FileManager.default.fileExists(atPath: resume, isDirectory: &isDirectory) && isDirectory.boolValue ? resume : nil
            if let resumeFolder, out == nil || Self.samePath(out!, resumeFolder) { return RunDirectory(path: resumeFolder, policy: .continueRun) }
        }
        if let out { return RunDirectory(path: out, policy: force ? .replace : .new) }
        return RunDirectory(path: RunDirectory.defaultPath(model: options.model, norm: options.norm), policy: .uniqueName)
    }

    static func samePath(_ a: String, _ b: String) -> Bool {
        URL(fileURLWithPath: a).standardizedFileURL.resolvingSymlinksInPath().path == URL(fileURLWithPath: b).standardizedFileURL.resolvingSymlinksInPath().path
    }

    func run() throws {
        // Ctrl-C and SIGTERM from here on stop the run between two steps (see StopRequest).
        StopRequest.install()
        // Under mpirun: one process of a data-parallel job (see README, "Several processes").
        var communicator: Communicator = SingleProcessCommunicator.shared
        try runReportingErrors { communicator = try World.communicator() }
        let printer = ProgressPrinter(quiet: quiet || communicator.rank != 0)
        var options = trainingOptions
        // --threads is the host's: its ranks share it (Open MPI says how many run here).
        if communicator.isDistributed { options.threads = max(1, options.threads / World.localSize) }
        var trainer: Trainer!
        // Everything checked before training is the user's input: exit status 64 (see ExitStatus).
        try runReportingErrors {
            trainer = try Trainer(options: options, run: runDirectory(options),
                                  resume: resume.map { Trainer.Resume(path: $0, epochs: epochs) },
                                  initialize: initialize, printer: printer, communicator: communicator)
        }
        RankOutput.trainingStarted()
        trainer.profile = profile
        try runReportingErrors(status: ExitStatus.failure) {
            let summary = try trainer.train()
            (communicator as? MPICommunicator)?.finalize()
            guard communicator.rank == 0 else { return }
            print(String(format: "test accuracy %.2f%% (%@, --norm %@, %d epoch%@, %d parameters of which %d in norms, %.0f train images/s) → %@",
                         summary.finalTestAccuracy * 100, summary.model, summary.norm, summary.epochs, summary.epochs == 1 ? "" : "s", summary.parameterCount,
                         summary.normParameterCount, summary.meanImagesPerSecond, trainer.run.path))
        }
    }
}
