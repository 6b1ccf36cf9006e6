import CNNModels
import CNNTraining
import Foundation

/// `cnntrain info --norm all`: one model with each norm, side by side, as Markdown: the parameters,
/// their share in norm layers and the FLOPs per image, then the parameters of each norm slot.
public struct NormComparisonReport {
    public var modelName: String
    /// One report per norm, in the order of the columns.
    public var reports: [ModelReport]

    public init(modelName: String, reports: [ModelReport]) {
        self.modelName = modelName; self.reports = reports
    }

    public var markdown: String {
        var lines = [
            "\(modelName): parameters by norm", "",
            "| norm | total parameters | in norm layers | norm share | FLOPs per image |",
            "| --- | ---: | ---: | ---: | ---: |"
        ]
        for report in reports {
            let share = String(
                format: "%.1f%%", 100 * Double(report.normParameters) / Double(max(report.totalParameters, 1)))
            lines.append(
                "| \(report.norm) | \(grouped(report.totalParameters)) | \(grouped(report.normParameters)) | \(share) | \(grouped(report.totalFLOPs)) |"
            )
        }
        lines += ["", "Parameters of each norm slot:", ""]
        let normRows = reports.map { $0.rows.filter(\.isNorm) }
        let header = reports.filter { $0.norm != "none" }.map(\.norm)
        lines.append("| slot | shape | " + header.joined(separator: " | ") + " |")
        lines.append("| --- | --- |" + String(repeating: " ---: |", count: header.count))
        if let reference = normRows.first(where: { !$0.isEmpty }) {
            for (slot, row) in reference.enumerated() {
                let counts = normRows.filter { !$0.isEmpty }.map { slot < $0.count ? grouped($0[slot].parameters) : "" }
                lines.append(
                    "| \(slot + 1) | \(row.outputShape.map(String.init).joined(separator: "×")) | "
                        + counts.joined(separator: " | ") + " |")
            }
        }
        return lines.joined(separator: "\n")
    }
}
