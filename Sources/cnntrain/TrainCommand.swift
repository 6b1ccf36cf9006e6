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

    @Option(
        help:
            "Train the run configuration in this JSON file: a TrainingOptions object (the \"options\" of a run's config.json), or a run's whole config.json. Options given with it override the file's values (flags such as --augment can only turn a setting on); it cannot be combined with --resume."
    )
    var config: String?
    // The model, data and recipe options are optional so that `--resume` can tell which were given
    // (it refuses them: the recipe comes from the run), and `--config` which override its file.
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var normOption: NormOption
    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var recipe: RecipeOptions
    @OptionGroup var threadOptions: ThreadOptions
    @Option(
        help:
            "Run directory. Default: runs/<date>-<time>-<model>-<norm> (with -2, -3, … when that name is taken). A folder that already holds a run is refused unless --force or --resume is given."
    )
    var out: String?
    @Flag(help: "Replace the run that --out already holds (its checkpoints, metrics and summary are removed first).")
    var force = false
    @Option(
        help:
            "Continue a run (a run directory or its checkpoint.safetensors) with its own recipe: only --epochs (to extend it), --threads, --out, --quiet and --profile may be given with it. A run stopped before its first epoch ended starts again from the beginning."
    )
    var resume: String?
    @Option(
        name: .customLong("init"),
        help:
            "Start a new run from a checkpoint's weights (fine-tuning, with this command's recipe). When the data has another number of classes, the last layer starts from fresh weights and the others are loaded."
    )
    var initialize: String?
    @Flag(help: "Print only the final result.")
    var quiet = false
    @Flag(
        help:
            "Time every layer's forward and backward and each kind of work (GEMM, im2col/col2im, norm, activation, pooling, loss, optimizer, data); print the tables at the end and write profile.json to the run directory."
    )
    var profile = false

    func validate() throws {
        if resume != nil && initialize != nil { throw ValidationError("--resume and --init cannot be combined") }
        if resume != nil && force {
            throw ValidationError(
                "--resume and --force cannot be combined: --resume continues the run, --force replaces it")
        }
        if let resume, config != nil {
            throw ValidationError(
                "--resume \(resume) continues the run with its own recipe, so --config cannot be given with it; to train with another recipe, start a new run (--init \(resume) starts it from the run's weights)"
            )
        }
        if let resume, !recipeOptionsGiven.isEmpty {
            throw ValidationError(
                "--resume \(resume) continues the run with its own recipe, so \(recipeOptionsGiven.joined(separator: ", ")) cannot be given with it; with --resume only --epochs (to extend the run), --threads, --out, --quiet and --profile are allowed. To train with another recipe, start a new run (--init \(resume) starts it from the run's weights)."
            )
        }
        // Each group checked its own values; a --config file and the options that override it are
        // checked together by the trainer (TrainingOptions.validate, exit status 64).
    }

    /// The recipe options given on the command line (those that `--resume` would otherwise ignore),
    /// in a fixed order: model, data, norm, groups, position, the recipe, then how the data is read.
    var recipeOptionsGiven: [String] {
        let model = modelOptions.given
        return model.prefix { $0 == "--model" } + dataOptions.given.prefix { $0 == "--data" } + normOption.given
            + model.drop { $0 == "--model" } + recipe.givenBesideEpochs + dataOptions.given.drop { $0 == "--data" }
    }

    /// The run's configuration: `--config`'s file (else the defaults), then every option given.
    func trainingOptions() throws -> TrainingOptions {
        var options = try config.map(TrainingOptions.read) ?? TrainingOptions()
        modelOptions.apply(to: &options)
        normOption.apply(to: &options)
        dataOptions.apply(to: &options)
        recipe.apply(to: &options)
        if config == nil || threadOptions.given { options.threads = threadOptions.threads }
        return options
    }

    /// Where the run goes, and what may be done with a run already there.
    func runDirectory(_ options: TrainingOptions) -> RunDirectory {
        if let resume {
            var isDirectory: ObjCBool = false
            let resumeFolder =
                FileManager.default.fileExists(atPath: resume, isDirectory: &isDirectory) && isDirectory.boolValue
                ? resume : nil
            if let resumeFolder, out == nil || Self.samePath(out!, resumeFolder) {
                return RunDirectory(path: resumeFolder, policy: .continueRun)
            }
        }
        if let out { return RunDirectory(path: out, policy: force ? .replace : .new) }
        return RunDirectory(
            path: RunDirectory.defaultPath(model: options.model, norm: options.norm.rawValue), policy: .uniqueName)
    }

    static func samePath(_ a: String, _ b: String) -> Bool {
        URL(fileURLWithPath: a).standardizedFileURL.resolvingSymlinksInPath().path
            == URL(fileURLWithPath: b).standardizedFileURL.resolvingSymlinksInPath().path
    }

    func run() throws {
        // Ctrl-C and SIGTERM from here on stop the run between two steps (see StopRequest).
        StopRequest.install()
        // Under mpirun: one process of a data-parallel job (see README, "Several processes").
        var communicator: Communicator = SingleProcessCommunicator.shared
        try runReportingErrors { communicator = try World.communicator() }
        let printer = ProgressPrinter(quiet: quiet || communicator.rank != 0)
        var trainer: Trainer!
        // Everything checked before training is the user's input: exit status 64 (see ExitStatus).
        try runReportingErrors {
            var options = try trainingOptions()
            // --threads is the host's: its ranks share it (Open MPI says how many run here).
            if communicator.isDistributed { options.threads = max(1, options.threads / World.localSize) }
            trainer = try Trainer(
                options: options, run: runDirectory(options),
                resume: resume.map { Trainer.Resume(path: $0, epochs: recipe.epochs) },
                initialize: initialize, printer: printer, communicator: communicator)
        }
        RankOutput.trainingStarted()
        trainer.profile = profile
        try runReportingErrors(status: ExitStatus.failure) {
            let summary = try trainer.train()
            (communicator as? MPICommunicator)?.finalize()
            guard communicator.rank == 0 else { return }
            print(
                String(
                    format:
                        "test accuracy %.2f%% (%@, --norm %@, %d epoch%@, %d parameters of which %d in norms, %.0f train images/s) → %@",
                    summary.finalTestAccuracy * 100, summary.model, summary.norm, summary.epochs,
                    summary.epochs == 1 ? "" : "s", summary.parameterCount,
                    summary.normParameterCount, summary.meanImagesPerSecond, trainer.run.path))
        }
    }
}
