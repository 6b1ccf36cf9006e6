import ArgumentParser
import CNNModels
import CNNNorms
import CNNTraining
import Foundation

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show a model's layers: output shapes, parameters (the norms' share) and FLOPs.",
        discussion: "With --norm all, the parameter counts of every norm are put side by side.")

    @Option(help: "Model: a name in Models/ or a path to a .cfg file.")
    var model = "smallcnn"
    @Option(help: "Norm for the norm slots: batch, layer, instance, group, none, or all. Default: group (as for train).")
    var norm = TrainingOptions().norm
    @Option(help: "GroupNorm's group count (default: a slot's groups=, else 8).")
    var groups: Int?
    @Option(help: "Norm position relative to the activation: before, after.")
    var normPosition: NormPosition = .before
    @Option(help: "Number of classes of the final layer.")
    var classes = 10
    @Flag(help: "Print the resolved model as JSON (the format the PyTorch scripts read); with --norm all, a JSON array of the six (syncbatch is batch with statistics over processes).")
    var json = false

    func run() throws {
        try runReportingErrors {
            let kinds: [NormKind]
            if norm == "all" {
                kinds = [.none, .batch, .syncbatch, .layer, .instance, .group]
            } else if let kind = NormKind(rawValue: norm) {
                kinds = [kind]
            } else {
                throw ValidationError("--norm \(norm) is not allowed; use one of \(NormKind.allCases.map(\.rawValue).joined(separator: ", ")), all")
            }
            let (name, file) = try ModelCatalog.load(model)
            let resolvedModels = try kinds.map { kind in
                try ModelResolver.resolve(file, name: name, classCount: classes,
                                          norm: NormConfiguration(kind: kind, groupCount: groups, position: normPosition))
            }
            if json {
                // One norm: the resolved model; --norm all: an array of them (one valid JSON document either way).
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                let data = resolvedModels.count == 1 ? try encoder.encode(resolvedModels[0]) : try encoder.encode(resolvedModels)
                print(String(decoding: data, as: UTF8.self))
                return
            }
            let reports = try resolvedModels.map { ModelReport(resolved: $0, model: try ModelBuilder.build($0, seed: 0)) }
            if !file.description.isEmpty { print(file.description.split(separator: "\n").map { "> " + $0 }.joined(separator: "\n") + "\n") }
            if reports.count == 1 {
                print("\(name) with --norm \(reports[0].norm):\n")
                print(reports[0].markdown)
            } else {
                print("\(name): parameters by norm\n")
                print("| norm | total parameters | in norm layers | norm share | FLOPs per image |")
                print("| --- | ---: | ---: | ---: | ---: |")
                for report in reports {
                    print("| \(report.norm) | \(grouped(report.totalParameters)) | \(grouped(report.normParameters)) | \(String(format: "%.1f%%", 100 * Double(report.normParameters) / Double(max(report.totalParameters, 1)))) | \(grouped(report.totalFLOPs)) |")
                }
                print("\nParameters of each norm slot:\n")
                let normRows = reports.map { $0.rows.filter(\.isNorm) }
                let header = reports.filter { $0.norm != "none" }.map(\.norm)
                print("| slot | shape | " + header.joined(separator: " | ") + " |")
                print("| --- | --- |" + String(repeating: " ---: |", count: header.count))
                if let reference = normRows.first(where: { !$0.isEmpty }) {
                    for (slot, row) in reference.enumerated() {
                        let counts = normRows.filter { !$0.isEmpty }.map { slot < $0.count ? grouped($0[slot].parameters) : "" }
                        print("| \(slot + 1) | \(row.outputShape.map(String.init).joined(separator: "×")) | " + counts.joined(separator: " | ") + " |")
                    }
                }
            }
        }
    }
}
