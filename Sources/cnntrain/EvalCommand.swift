import ArgumentParser
import CNNCore
import CNNData
import CNNTraining
import Foundation

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a checkpoint: accuracy, per-class accuracy and confusion matrix on a test set.")

    @Argument(help: "A checkpoint file (.safetensors) or a run directory.")
    var checkpoint: String
    @Option(help: "Dataset (as for train). Default: the dataset the checkpoint was trained on, else Fashion-MNIST.")
    var data: String?
    @Option(help: "Use only the first N test images.")
    var testLimit: Int?
    @OptionGroup var threadOptions: ThreadOptions
    @Flag(help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        if let testLimit, testLimit < 1 { throw ValidationError("--test-limit \(testLimit) is not allowed; use 1 or more") }
    }

    func run() throws {
        try runReportingErrors {
            Parallel.setThreadCount(threadOptions.threads)
            let loaded = try LoadedCheckpoint(path: RunDirectory.checkpointPath(forResume: checkpoint))
            let model = try loaded.buildModel()
            var options = LoadOptions()
            options.channels = loaded.resolved.inputShape[0]
            options.height = loaded.resolved.inputShape[1]
            options.width = loaded.resolved.inputShape[2]
            options.threads = threadOptions.threads
            options.cacheDirectory = RunDirectory.cacheDirectory
            let source = try DatasetSource.resolve(path: data ?? loaded.options?.data)
            let dataset = try DatasetLoader.load(source, options: options)
            let test = dataset.test.prefix(testLimit)
            guard test.classNames.count == loaded.classNames.count else {
                throw TrainingError("the dataset has \(test.classNames.count) classes but the checkpoint was trained on \(loaded.classNames.count) (\(loaded.classNames.joined(separator: ", ")))")
            }
            let result = Evaluator.evaluate(model, store: test, normalization: loaded.normalization)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(result), as: UTF8.self))
                return
            }
            print(String(format: "test accuracy %.2f%% (%d images), loss %.4f", result.accuracy * 100, result.count, result.loss))
            print("\n| class | accuracy | images |\n| --- | ---: | ---: |")
            for (index, name) in loaded.classNames.enumerated() {
                let total = result.confusion[index].reduce(0, +)
                let accuracy = result.perClassAccuracy[index].map { String(format: "%.1f%%", $0 * 100) } ?? "–"
                print("| \(name) | \(accuracy) | \(total) |")
            }
            print("\nConfusion matrix (rows: true class, columns: predicted):\n")
            print("| | " + loaded.classNames.indices.map(String.init).joined(separator: " | ") + " |")
            print("| --- |" + String(repeating: " ---: |", count: loaded.classNames.count))
            for (index, name) in loaded.classNames.enumerated() {
                print("| \(index) \(name) | " + result.confusion[index].map(String.init).joined(separator: " | ") + " |")
            }
        }
    }
}
