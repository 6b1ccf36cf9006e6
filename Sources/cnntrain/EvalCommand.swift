import ArgumentParser
import CNNCore
import CNNData
import CNNTraining
import Foundation

/// `--test-limit` of eval: a count, or `all`.
enum TestLimit: ExpressibleByArgument, Equatable {
    case all
    case count(Int)

    init?(argument: String) {
        if argument == "all" { self = .all; return }
        guard let count = Int(argument), count >= 1 else { return nil }
        self = .count(count)
    }

    static var defaultValueDescription: String { "the run's own" }
}

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract:
            "Evaluate a checkpoint: accuracy, per-class precision, recall and F1, and the confusion matrix on a test set.",
        discussion: """
            By default eval uses the run's own held-out images: the dataset, split (--validation-fraction, --seed of a tree without test/ or val/) and --test-limit subset recorded in the checkpoint, so that it reproduces the accuracy the run reported. Classes are matched by name with the checkpoint's (an exported image folder sorts them differently from IDX files); a dataset with a class the checkpoint does not know is refused, with both lists.
            """)

    @Argument(help: "A checkpoint file (.safetensors) or a run directory.")
    var checkpoint: String
    @Option(help: "Dataset (as for train). Default: the dataset the checkpoint was trained on, else Fashion-MNIST.")
    var data: String?
    @Option(
        help: ArgumentHelp(
            "Test images: N (a class-stratified subset seeded by the run's --seed, as train's --test-limit) or all. Default: the run's own --test-limit.",
            valueName: "n|all"))
    var testLimit: TestLimit?
    @Flag(help: "Stop on the first unreadable image (default: the run's own --strict).")
    var strict = false
    @OptionGroup var threadOptions: ThreadOptions
    @Flag(help: "Print the result as JSON (notes go to standard error).")
    var json = false

    func run() throws {
        try runReportingErrors {
            Parallel.setThreadCount(threadOptions.threads)
            let loaded = try LoadedCheckpoint(path: RunDirectory.checkpointPath(forResume: checkpoint))
            let model = try loaded.buildModel()
            let run = loaded.options
            var notes: [String] = []
            if run == nil {
                notes.append(
                    "the checkpoint records no training options: a tree without test/ is split with --validation-fraction 0.1 and seed 1 (train's defaults)"
                )
            }
            let recipe = run ?? TrainingOptions()
            var options = LoadOptions()
            options.channels = loaded.resolved.inputShape[0]
            options.height = loaded.resolved.inputShape[1]
            options.width = loaded.resolved.inputShape[2]
            options.threads = threadOptions.threads
            options.strict = strict || recipe.strict
            options.cacheDirectory = RunDirectory.cacheDirectory
            // The run's own split: a tree without a held-out folder is split as the run split it.
            options.validationFraction = recipe.validationFraction
            options.seed = recipe.seed
            let source = try DatasetSource.resolve(path: data ?? recipe.data)
            let dataset = try DatasetLoader.load(source, options: options)
            for warning in dataset.warnings.prefix(20) { notes.append("warning: \(warning)") }
            if dataset.warnings.count > 20 { notes.append("warning: … and \(dataset.warnings.count - 20) more") }
            notes.append("held-out set: \(dataset.heldOut)")

            let limit: Int?
            switch testLimit {
            case nil: limit = recipe.testLimit
            case .all?: limit = nil
            case .count(let count)?: limit = count
            }
            var test = dataset.test.stratifiedSubset(limit: limit, seed: DataSelection.testSeed(recipe.seed))
            if let limit, limit < dataset.test.count {
                let origin = testLimit == nil ? "the run's --test-limit \(limit)" : "--test-limit \(limit)"
                notes.append(
                    "\(origin): \(test.count) of \(dataset.test.count) test images, class-stratified with the run's seed \(recipe.seed) (--test-limit all for every image)"
                )
            }
            var unnamedByNumber = false
            if case .imageFolder = source {} else { unnamedByNumber = true }
            let mapping = try ClassMapping(
                source: test.classNames, target: loaded.classNames, sourcePath: "\(source)",
                unnamedSourceMatchesByNumber: unnamedByNumber)
            if let note = mapping.note { notes.append(note) }
            test = test.relabeled(mapping, classNames: loaded.classNames)
            guard test.count > 0 else { throw TrainingError("\(source): the test set has no usable images") }

            let result = Evaluator.evaluate(model, store: test, normalization: loaded.normalization)
            let sameImagesAsRun = run != nil && (data == nil || data == run?.data) && testLimit == nil
            if sameImagesAsRun, let last = loaded.trainerState?.history.last {
                notes.append(
                    String(
                        format: "the run reported %.2f%% on these images after epoch %d", last.testAccuracy * 100,
                        last.epoch))
            }
            for note in notes { FileHandle.standardError.write((note + "\n").data(using: .utf8)!) }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(result), as: UTF8.self))
                return
            }
            print(EvaluationReport(result: result).markdown)
        }
    }
}
