import CNNCore
import CNNData
import CNNLayers
import CNNModels
import CNNNorms
import Foundation

/// Trains a model as `cnntrain train` describes: load data → build model → for each epoch,
/// for each batch: forward → loss → zero gradients → backward → optimizer step; then evaluate,
/// record metrics and write a checkpoint.
public final class Trainer {
    public private(set) var options: TrainingOptions
    public let resolved: ResolvedModel
    public let model: Sequential
    /// The training and test images (after --train-limit / --test-limit).
    public let trainSet: ImageStore
    public let testSet: ImageStore
    /// The fixed training subset evaluated in inference mode after every epoch
    /// (`--train-eval-images`); nil when it is off.
    public let trainEvalSet: ImageStore?
    /// Batches of one epoch (the last may be smaller).
    let stepsPerEpoch: Int
    public let normalization: DatasetStatistics
    public private(set) var run: RunDirectory
    package let optimizer: Optimizer
    let schedule: LearningRateSchedule
    let printer: ProgressPrinter
    var state: TrainerState
    /// Seconds of the last test-set evaluation (an inference pass), measured in this process only.
    var lastEvaluationSeconds: Double? = nil
    /// Profile every step (forward/backward per layer, time per kind) and write profile.json.
    public var profile = false
    /// The processes of a data-parallel job (`mpirun`); the one-process world otherwise.
    public let communicator: Communicator

    /// Prepares a run: everything that can fail on user input fails here, before any training.
    /// - Parameters:
    ///   - resume: a checkpoint (or a run directory) to continue from: weights, optimizer state,
    ///     epoch, step and random generators, so the resumed run ends as an uninterrupted one would.
    ///   - initialize: a checkpoint whose weights start this run (a new run otherwise).
    /// What `--resume` asks for: the checkpoint (or run directory), and a new epoch count if given.
    public struct Resume {
        public var path: String
        public var epochs: Int?
        public init(path: String, epochs: Int?) { self.path = path; self.epochs = epochs }
    }

    ///   - communicator: the processes of a data-parallel job: each trains on its share of every
    ///     global batch (`--batch-size` is global and must split evenly); rank 0 alone writes `run`.
    public init(
        options: TrainingOptions, run: RunDirectory, resume: Resume? = nil, initialize: String? = nil,
        printer: ProgressPrinter, communicator: Communicator = SingleProcessCommunicator.shared
    ) throws {
        self.communicator = communicator
        var options = options
        var resumed: LoadedCheckpoint? = nil
        if let resume {
            // The recipe comes from the run; only the thread count and (when given) the epoch count
            // may change. A longer run stretches the schedule, so it no longer equals the original.
            let threads = options.threads
            if let configPath = RunDirectory.configWithoutCheckpoint(resume.path) {
                // Stopped before its first epoch ended: nothing to restore, so the run starts again.
                options = try RunDirectory.readConfig(configPath).options
                printer.log(
                    "\(resume.path): no epoch of this run had finished (no checkpoint yet); starting it again from the beginning with its recipe"
                )
            } else {
                let checkpoint = try LoadedCheckpoint(path: RunDirectory.checkpointPath(forResume: resume.path))
                guard let saved = checkpoint.options, let state = checkpoint.trainerState else {
                    throw TrainingError(
                        "\(resume.path): this checkpoint has no training state to resume from; use --init to start a new run from its weights"
                    )
                }
                options = saved
                if let epochs = resume.epochs, epochs < state.completedEpochs {
                    throw TrainingError(
                        "--epochs \(epochs) is less than the \(state.completedEpochs) epochs this run has already done")
                }
                resumed = checkpoint
            }
            options.threads = threads
            if let epochs = resume.epochs, let steps = options.steps {
                throw TrainingError(
                    "--epochs \(epochs) cannot extend \(resume.path): it trains --steps \(steps) steps in all, not a number of epochs; start a new run (--init \(resume.path) starts it from the run's weights)"
                )
            }
            if let epochs = resume.epochs { options.epochs = epochs }
        }
        try options.validate()
        self.printer = printer
        self.run = run
        Parallel.setThreadCount(options.threads)

        let (modelName, modelFile) = try ModelCatalog.load(options.model)
        // Shapes of the model decide how the dataset is decoded (channels, size).
        let input = try ModelResolver.inputShape(of: modelFile)
        let source = try DatasetSource.resolve(path: options.data)
        var loadOptions = LoadOptions()
        loadOptions.channels = input.channels
        loadOptions.height = input.height
        loadOptions.width = input.width
        loadOptions.strict = options.strict
        loadOptions.threads = options.threads
        loadOptions.validationFraction = options.validationFraction
        loadOptions.seed = options.seed
        loadOptions.cacheDirectory = options.cache ? RunDirectory.cacheDirectory : nil
        let dataset = try DatasetLoader.load(source, options: loadOptions)
        for warning in dataset.warnings.prefix(20) { printer.log("warning: \(warning)") }
        if dataset.warnings.count > 20 { printer.log("warning: … and \(dataset.warnings.count - 20) more") }
        if dataset.skippedCount > 0 {
            printer.log("skipped \(dataset.skippedCount) unreadable files (use --strict to stop on them)")
        }
        let selection = try DataSelection(
            dataset, trainLimit: options.trainLimit, testLimit: options.testLimit, seed: options.seed)
        for note in selection.notes { printer.log(note) }
        (trainSet, testSet) = (selection.train, selection.test)
        guard trainSet.count > 0 else { throw TrainingError("the training set has no usable images (\(source))") }
        guard testSet.count > 0 else { throw TrainingError("the test set has no usable images (\(source))") }

        let classCount = trainSet.classNames.count
        let norm = NormConfiguration(kind: options.norm, groupCount: options.groups, position: options.normPosition)
        resolved = try ModelResolver.resolve(
            modelFile, name: modelName, classCount: classCount, norm: norm, overrides: options.modelOverrides)
        model = try ModelBuilder.build(resolved, seed: options.seed)
        // A resumed run's weights come from its checkpoint (scaled when the run began).
        if resumed == nil, let gain = options.initGain { ModelBuilder.scaleWeights(model, gain: gain) }
        Trainer.connect(model, to: communicator)
        normalization = resumed?.normalization ?? DatasetStatistics.compute(trainSet)
        // A batch larger than the training set is the whole set: buffers are sized for what is used.
        if options.batchSize > trainSet.count {
            printer.log(
                "note: --batch-size \(options.batchSize) is larger than the \(trainSet.count) training images; each step uses all \(trainSet.count)"
            )
            options.batchSize = trainSet.count
        }
        stepsPerEpoch = Trainer.stepsPerEpoch(trainCount: trainSet.count, batchSize: options.batchSize)
        if let steps = options.steps {
            // Recorded in config.json and checkpoints: resume and the summary count these epochs.
            options.epochs = Trainer.epochs(steps: steps, stepsPerEpoch: stepsPerEpoch)
        }
        trainEvalSet = Trainer.trainEvalSubset(of: trainSet, testCount: testSet.count, options: options)
        if communicator.isDistributed && !options.batchSize.isMultiple(of: communicator.size) {
            throw TrainingError(
                "--batch-size \(options.batchSize) does not split evenly into \(communicator.size) processes: --batch-size is the global batch, each process takes batch-size/\(communicator.size) images; use a multiple of \(communicator.size)"
            )
        }
        let bytesPerImage = MemoryBudget.bytesPerTrainingImage(
            report: ModelReport(resolved: resolved, model: model),
            inputShape: resolved.inputShape)
        try MemoryBudget.check(
            batchSize: options.batchSize, bytesPerImage: bytesPerImage, available: MemoryBudget.availableBytes())

        optimizer = try OptimizerFactory.make(options, parameters: model.namedParameters())
        schedule = LearningRateSchedule(
            baseRate: options.learningRate, decay: options.schedule, warmupSteps: options.warmupSteps)
        state = TrainerState(seed: options.seed)

        if let resumed {
            try resumed.apply(to: model, strict: true)
            try resumed.restoreOptimizer(optimizer)
            state = resumed.trainerState!
            try resumed.restoreDropoutGenerators(in: model)
        } else if let initialize {
            let checkpoint = try LoadedCheckpoint(path: RunDirectory.checkpointPath(forResume: initialize))
            if let note = try checkpoint.applyForFineTuning(to: model, classNames: trainSet.classNames) {
                printer.log(note)
            }
        }
        try model.validate(Shape([options.batchSize] + resolved.inputShape), mode: .training)
        self.options = options
        if communicator.rank == 0 {  // rank 0 owns the run directory
            try self.run.prepare(options: options, model: resolved)
            try run.checkFreeSpace(needed: CheckpointWriter.estimatedBytes(model: model, optimizer: optimizer))
        }
    }

    /// Runs the remaining epochs. Returns the summary also written to `summary.json`.
    @discardableResult
    public func train() throws -> TrainingSummary {
        if communicator.isDistributed { return try trainDataParallel() }
        let batchSize = options.batchSize
        var generator = SeededGenerator(state: state.shuffleGeneratorState)
        let batcher = Batcher(
            store: trainSet, batchSize: batchSize, shuffle: true, normalization: normalization,
            augmentation: options.augment ? Augmentation(randomCropPadding: 2, horizontalFlip: true) : nil)
        let images = Tensor(shape: Shape([batchSize] + resolved.inputShape))
        var labels: [Int32] = []
        let trainingStep = TrainingStep(model: model, optimizer: optimizer, options: options)
        // --profile: every step of this process is profiled; the report is printed and saved at the end.
        let profiler = profile ? Profiler() : nil
        Profiler.current = profiler
        defer { Profiler.current = nil }
        precondition(batcher.batchesPerEpoch == stepsPerEpoch, "the batcher's epoch is not the trainer's")
        let totalSteps = self.totalSteps
        var validatedShape = images.shape
        printer.log(
            "training \(resolved.name) with --norm \(resolved.norm): \(model.parameterCount) parameters, \(trainSet.count) training and \(testSet.count) test images, \(stepsPerEpoch) steps per epoch\(options.steps.map { ", \($0) steps in all" } ?? "") → \(run.path)"
        )

        while state.completedEpochs < options.epochs {
            let epoch = state.completedEpochs + 1
            let steps = stepCount(epoch: epoch)
            batcher.startEpoch(generator: &generator)
            var lossSum = 0.0, correct = 0, seen = 0
            var learningRate: Float = 0
            let start = Date()
            for step in 0..<steps {
                if let signal = StopRequest.received {
                    printer.clearLine()
                    throw TrainingInterrupted(
                        signal: signal, epoch: epoch, epochs: options.epochs, step: step, steps: steps,
                        completedEpochs: state.completedEpochs, run: run)
                }
                let stepStart = monotonicNanoseconds()
                Profiler.timed(.data) { batcher.fill(batch: step, into: images, labels: &labels) }
                if images.shape != validatedShape {
                    try model.validate(images.shape, mode: .training)
                    validatedShape = images.shape
                }
                learningRate = schedule.rate(
                    step: state.globalStep, totalSteps: totalSteps, stepsPerEpoch: stepsPerEpoch)
                let (loss, batchCorrect) = trainingStep.run(images: images, labels: labels, learningRate: learningRate)
                guard loss.isFinite else {
                    throw TrainingError.diverged(
                        loss: loss, epoch: epoch, step: step + 1, learningRate: learningRate,
                        checkpoint: state.completedEpochs > 0 ? run.checkpointPath : nil)
                }
                state.globalStep += 1
                profiler?.finishStep(nanoseconds: monotonicNanoseconds() - stepStart)

                lossSum += Double(loss) * Double(labels.count)
                correct += batchCorrect
                seen += labels.count
                let elapsed = Date().timeIntervalSince(start)
                printer.step(
                    epoch: epoch, epochs: options.epochs, step: step + 1, steps: steps, loss: lossSum / Double(seen),
                    accuracy: Double(correct) / Double(seen), imagesPerSecond: Double(seen) / max(elapsed, 1e-9),
                    secondsLeft: elapsed / Double(step + 1) * Double(steps - step - 1))
            }
            let seconds = Date().timeIntervalSince(start)
            let evaluationStart = Date()
            Profiler.current = nil  // the profile covers training steps only
            var test = Evaluator.evaluate(model, store: testSet, normalization: normalization)
            test.loss = EvaluationFaultInjection.testLoss(test.loss, epoch: epoch)
            lastEvaluationSeconds = Date().timeIntervalSince(evaluationStart)
            let trainEvaluation: (loss: Double, accuracy: Double)? = trainEvalSet.map {
                let result = Evaluator.evaluate(model, store: $0, normalization: normalization)
                return (result.loss, result.accuracy)
            }
            Profiler.current = profiler
            let measured = EpochMeasurements(
                epoch: epoch, lossSum: lossSum, correct: correct, seen: seen, learningRate: learningRate,
                seconds: seconds, test: (test.loss, test.accuracy), trainEvaluation: trainEvaluation)
            try checkFinite(measured)
            try keep(measured, shuffleState: generator.stateWords, writes: true)
        }
        let summary = makeSummary()
        try run.writeSummary(summary)
        if let profiler, profiler.steps > 0 {
            let report = ProfileReport(profiler: profiler, model: model, batchSize: batchSize)
            printer.log("\n" + report.text)
            try run.writeProfile(report)
        }
        return summary
    }
}
