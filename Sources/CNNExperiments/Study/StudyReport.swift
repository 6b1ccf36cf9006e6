import CNNModels
import CNNTraining
import Foundation

/// The files a study writes: results.csv (one row per cell), results.json (cells, aggregates over
/// seeds, the command and the learning-rate rule) and report.md (the tables).
public struct StudyReport: Codable, Sendable {
    /// The command that made the study (for the README section and for rerunning it).
    public var command: String
    public var created: String
    public var settings: StudySettings
    public var plan: StudyPlan
    public var learningRateRule: String
    public var threads: Int
    /// The CPU the report was written on (its model name and logical CPU count), for the runtimes.
    public var cpu: String?
    public var cells: [CellResult]
    public var aggregates: [CellAggregate]
    /// The parameters of every norm slot of the model, per norm (LayerNorm's per-element γ, β).
    public var normSlots: [NormSlotParameters]
    /// The plots of scripts/reports/plot_study.py found in the study folder (file names), linked from report.md.
    public var plots: [String] = []

    /// The plot files plot_study.py writes, in the order report.md shows them, with their captions.
    public static let plotCaptions: [(file: String, caption: String)] = [
        ("accuracy_vs_batch.png", "Test accuracy against batch size"),
        ("accuracy_vs_lr.png", "Test accuracy against learning rate"),
        ("learning_curves.png", "Learning curves: test accuracy after each epoch"),
        ("throughput.png", "Training and inference images/s, peak memory"),
        ("parameters.png", "Parameters of the model and of each norm slot"),
        ("figure.png", "Test accuracy per cell: mean and 95% interval over seeds")
    ]

    /// The plot files present in `directory`.
    public static func plotNames(in directory: String) -> [String] {
        plotCaptions.map(\.file).filter { FileManager.default.fileExists(atPath: directory + "/" + $0) }
    }

    public init(
        command: String, settings: StudySettings, plan: StudyPlan, threads: Int, cells: [CellResult],
        normSlots: [NormSlotParameters] = []
    ) {
        self.command = command
        self.normSlots = normSlots
        let formatter = ISO8601DateFormatter()
        created = formatter.string(from: Date())
        self.settings = settings; self.plan = plan; self.threads = threads; self.cells = cells
        learningRateRule = plan.rule.description
        aggregates = CellAggregate.aggregate(cells)
        cpu = Self.cpuDescription()
    }

    /// "AMD EPYC, 2 logical CPUs" from /proc/cpuinfo.
    static func cpuDescription() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n")
        let model = lines.first { $0.hasPrefix("model name") }.flatMap { $0.split(separator: ":", maxSplits: 1).last }
        let count = lines.filter { $0.hasPrefix("processor") }.count
        return "\(model.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"), \(count) logical CPUs"
    }

    public var failedCells: [CellResult] { cells.filter { !$0.succeeded } }

    public func write(to directory: String) throws {
        let csv = ([CellResult.csvHeader] + cells.map(\.csvLine)).joined(separator: "\n") + "\n"
        try AtomicFile.write(Data(csv.utf8), to: directory + "/results.csv")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(self), to: directory + "/results.json")
        try AtomicFile.write(Data(markdown.utf8), to: directory + "/report.md")
    }

    // MARK: - report.md

    public var markdown: String {
        var lines: [String] = []
        lines.append("# Norm study: \(settings.model)\n")
        lines.append("`\(command)`\n")
        let data = settings.data ?? "Fashion-MNIST"
        let limits = [
            settings.trainLimit.map { "\($0) training images" }, settings.testLimit.map { "\($0) test images" }
        ]
        .compactMap { $0 }.joined(separator: ", ")
        lines.append(
            "- data: \(data)\(limits.isEmpty ? "" : " (\(limits))"); \(settings.epochs) epoch\(settings.epochs == 1 ? "" : "s"); norm \(settings.normPosition) the activation\(settings.groups.map { "; \($0) groups" } ?? ""); \(threads) thread\(threads == 1 ? "" : "s")"
        )
        lines.append("- learning rate: \(learningRateRule)")
        lines.append(
            "- seeds: 1…\(plan.seedCount); values are mean ± sample standard deviation over seeds (± 0 with one seed)")
        lines.append(
            "- \(cells.count) cells, \(cells.count - failedCells.count) succeeded, \(failedCells.count) failed\n")

        let hasTorch = cells.contains { $0.torchTestAccuracy != nil }
        lines.append("## Test accuracy (%)\n")
        lines += table(value: { $0.testAccuracy }, scale: 100, digits: 2)
        if case .linear = plan.rule {
            lines.append(
                "\nlr per batch size: "
                    + plan.batchSizes.map { "\($0) → \(Study.format(plan.rule.rates(batchSize: $0)[0]))" }.joined(
                        separator: ", "))
        }
        if aggregates.contains(where: { $0.overfittingGap != nil }) {
            lines.append("\n## Over-fitting: train accuracy in inference mode − test accuracy (percentage points)\n")
            lines.append(Self.overfittingNote + "\n")
            lines += table(value: { $0.overfittingGap }, scale: 100, digits: 2)
        }
        lines.append("\n## Running train accuracy − test accuracy (percentage points)\n")
        lines.append(Self.gapNote + "\n")
        lines += table(value: { $0.generalizationGap }, scale: 100, digits: 2)
        if hasTorch {
            lines.append("\n## PyTorch test accuracy (%), same recipe\n")
            lines += table(value: { $0.torchTestAccuracy }, scale: 100, digits: 2, failures: { $0.torchFailed })
        }
        lines.append("")

        if !plots.isEmpty {
            lines.append("## Plots\n")
            for (file, caption) in Self.plotCaptions where plots.contains(file) {
                lines.append("![\(caption)](\(file))\n")
            }
        }

        lines.append("## Speed and memory\n")
        lines.append(
            "Training images/s is the mean over epochs; inference images/s is the last test-set evaluation (inference mode, batches of 256); peak memory is the cell process's peak resident set.\n"
        )
        lines.append(
            "| norm | cell | train images/s | inference images/s | s/epoch | final train loss | peak memory (MiB) |"
        )
        lines.append("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
        for aggregate in aggregates where aggregate.succeeded > 0 {
            lines.append(
                "| \(aggregate.norm.rawValue) | \(StudyColumn(aggregate).fullTitle) | \(show(aggregate.trainImagesPerSecond, 1, 0)) | \(show(aggregate.inferenceImagesPerSecond, 1, 0)) | \(show(aggregate.epochSeconds, 1, 2)) | \(show(aggregate.trainLoss, 1, 4)) | \(show(aggregate.peakMemoryMiB, 1, 0)) |"
            )
        }

        lines.append("\n## Parameters\n")
        lines.append("| norm | total parameters | in norm layers | norm share |")
        lines.append("| --- | ---: | ---: | ---: |")
        for norm in plan.norms {
            guard let counted = aggregates.first(where: { $0.norm == norm && $0.parameterCount != nil }),
                let total = counted.parameterCount, let inNorm = counted.normParameterCount
            else {
                lines.append("| \(norm.rawValue) | – | – | – |")
                continue
            }
            lines.append(
                "| \(norm.rawValue) | \(grouped(total)) | \(grouped(inNorm)) | \(String(format: "%.1f%%", 100 * Double(inNorm) / Double(max(total, 1)))) |"
            )
        }
        lines += slotTable()

        lines.append("\n## Failed cells\n")
        if failedCells.isEmpty {
            lines.append("None.")
        } else {
            lines.append("| cell | reason |")
            lines.append("| --- | --- |")
            for cell in failedCells {
                lines.append("| \(cell.id) | \((cell.error ?? "").replacingOccurrences(of: "|", with: "\\|")) |")
            }
        }
        let torchFailures = cells.filter { $0.torchError != nil }
        if !torchFailures.isEmpty {
            lines.append(
                "\nPyTorch runs that failed: "
                    + torchFailures.map { "\($0.id) (\($0.torchError!))" }.joined(separator: "; "))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Parameters of each norm slot, one column per norm (none has no norm slots).
    func slotTable() -> [String] {
        let norms = plan.norms.filter { norm in normSlots.contains { $0.norm == norm } }
        guard let first = norms.first else { return [] }
        var lines = [
            "\n### Parameters of each norm slot (γ and β)\n",
            "| slot | shape | " + norms.map(\.rawValue).joined(separator: " | ") + " |",
            "| --- | --- |" + String(repeating: " ---: |", count: norms.count)
        ]
        for reference in normSlots where reference.norm == first {
            let counts = norms.map { norm in
                normSlots.first { $0.norm == norm && $0.slot == reference.slot }.map { grouped($0.parameters) } ?? "–"
            }
            lines.append(
                "| \(reference.slot) | \(reference.shape.map(String.init).joined(separator: "×")) | "
                    + counts.joined(separator: " | ") + " |")
        }
        return lines
    }

    /// Why the running train − test gap is often negative.
    static let gapNote =
        "Train accuracy here is the running accuracy over the last epoch, measured while it trained: in training mode (dropout on, BatchNorm on batch statistics) and on weights that are still improving during the epoch; test accuracy is measured after the epoch, in inference mode, on the final weights. So in short runs this gap is often negative; the over-fitting table (when the runs measured it) compares like with like."

    /// What the over-fitting gap compares.
    static let overfittingNote =
        "Both accuracies are measured after the last epoch, in inference mode, on the same weights: on a fixed class-stratified subset of the training images (`--train-eval-images`) and on the test images. A positive gap is over-fitting."

    /// The table's columns: every configuration of the grid beyond the norm, in the plan's order.
    var columns: [StudyColumn] {
        var columns: [StudyColumn] = []
        for aggregate in aggregates where !columns.contains(StudyColumn(aggregate)) {
            columns.append(StudyColumn(aggregate))
        }
        return columns
    }

    /// One row per norm, one column per configuration of the other axes (headed by what varies).
    /// - Parameter failures: how many runs of an aggregate failed, for the "failed" marks; by
    ///   default cnntrain's own cells (the PyTorch table passes PyTorch's failures instead).
    func table(
        value: (CellAggregate) -> MeanAndDeviation?, scale: Double, digits: Int,
        failures: (CellAggregate) -> (failed: Int, succeeded: Int) = { ($0.failed, $0.succeeded) }
    ) -> [String] {
        let columns = self.columns
        let titles = StudyColumn.titles(columns)
        var lines = [
            "| norm | " + titles.joined(separator: " | ") + " |",
            "| --- |" + String(repeating: " ---: |", count: columns.count)
        ]
        for norm in plan.norms {
            let row = columns.map { column -> String in
                guard let aggregate = aggregates.first(where: { $0.norm == norm && StudyColumn($0) == column }) else {
                    return "–"
                }
                var text = show(value(aggregate), scale, digits)
                let (failed, succeeded) = failures(aggregate)
                if failed > 0 { text += succeeded == 0 ? "failed" : " (\(failed) failed)" }
                return text
            }
            lines.append("| \(norm.rawValue) | " + row.joined(separator: " | ") + " |")
        }
        return lines
    }

    func show(_ value: MeanAndDeviation?, _ scale: Double, _ digits: Int) -> String {
        guard let value else { return "" }
        let mean = String(format: "%.\(digits)f", value.mean * scale)
        return value.count > 1 ? mean + " ± " + String(format: "%.\(digits)f", value.standardDeviation * scale) : mean
    }
}
