import Foundation

/// The Markdown `cnntrain eval` prints: accuracy and loss, a per-class table (precision, recall,
/// F1, images) with the macro average, and the confusion matrix.
public struct EvaluationReport {
    public let result: EvaluationResult

    public init(result: EvaluationResult) { self.result = result }

    public var markdown: String {
        func percent(_ value: Double?) -> String { value.map { String(format: "%.1f%%", $0 * 100) } ?? "–" }
        var lines = [
            String(
                format: "test accuracy %.2f%% (%d images), loss %.4f", result.accuracy * 100, result.count, result.loss)
        ]
        lines.append("\n| class | precision | recall | F1 | images |\n| --- | ---: | ---: | ---: | ---: |")
        for metrics in result.perClass {
            lines.append(
                "| \(metrics.name) | \(percent(metrics.precision)) | \(percent(metrics.recall)) | \(percent(metrics.f1)) | \(metrics.images) |"
            )
        }
        lines.append(
            "| macro average | \(percent(result.macroPrecision)) | \(percent(result.macroRecall)) | \(percent(result.macroF1)) | \(result.count) |"
        )
        lines.append("\n– : undefined (no image of the class, or no prediction of it). Recall is the class's accuracy.")
        lines.append("\nConfusion matrix (rows: true class, columns: predicted):\n")
        lines.append("| | " + result.classNames.indices.map(String.init).joined(separator: " | ") + " |")
        lines.append("| --- |" + String(repeating: " ---: |", count: result.classNames.count))
        for (index, name) in result.classNames.enumerated() {
            lines.append(
                "| \(index) \(name) | " + result.confusion[index].map(String.init).joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }
}
