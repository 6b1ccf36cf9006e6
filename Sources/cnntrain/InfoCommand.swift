import ArgumentParser
import CNNExperiments
import CNNModels
import CNNNorms
import CNNTraining
import Foundation

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show a model's layers: output shapes, parameters (the norms' share) and FLOPs.",
        discussion: "With --norm all, the parameter counts of every norm are put side by side.")

    @OptionGroup var modelOptions: ModelOptions
    @Option(
        help: OptionHelp.normList(
            "Norm for the norm slots (default: group, as for train); all puts every norm side by side"))
    var norm = NormList(TrainingOptions().norm.rawValue)
    @Option(help: "Number of classes of the final layer.")
    var classes = 10
    @Flag(
        help:
            "Print the resolved model as JSON (the format the PyTorch scripts read); with --norm all, a JSON array of the six (syncbatch is batch with statistics over processes)."
    )
    var json = false

    func validate() throws {
        _ = try norm.kinds(option: "--norm")
    }

    func run() throws {
        try runReportingErrors {
            let kinds = try norm.kinds(option: "--norm")
            let options = modelOptions.resolved
            let (name, file) = try ModelCatalog.load(options.model)
            let resolvedModels = try kinds.map { kind in
                try ModelResolver.resolve(
                    file, name: name, classCount: classes,
                    norm: NormConfiguration(kind: kind, groupCount: options.groups, position: options.normPosition),
                    overrides: options.modelOverrides)
            }
            if json {
                // One norm: the resolved model; --norm all: an array of them (one valid JSON document either way).
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                let data =
                    resolvedModels.count == 1
                    ? try encoder.encode(resolvedModels[0]) : try encoder.encode(resolvedModels)
                print(String(decoding: data, as: UTF8.self))
                return
            }
            let reports = try resolvedModels.map {
                ModelReport(resolved: $0, model: try ModelBuilder.build($0, seed: 0))
            }
            if !file.description.isEmpty {
                print(file.description.split(separator: "\n").map { "> " + $0 }.joined(separator: "\n") + "\n")
            }
            if reports.count == 1 {
                print("\(name) with --norm \(reports[0].norm):\n")
                print(reports[0].markdown)
            } else {
                print(NormComparisonReport(modelName: name, reports: reports).markdown)
            }
        }
    }
}
