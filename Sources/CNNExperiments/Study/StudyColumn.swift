/// A column of a study's tables: one configuration of every grid axis but the norm.
public struct StudyColumn: Equatable, Sendable {
    public var batchSize: Int
    public var learningRate: Double
    public var settings: [GridSetting]

    public init(_ aggregate: CellAggregate) {
        batchSize = aggregate.batchSize
        learningRate = aggregate.learningRate
        settings = aggregate.settings ?? []
    }

    /// Every part of the configuration: "batch 64, lr 0.05, dropout 0.5".
    public var fullTitle: String { parts.joined(separator: ", ") }

    var parts: [String] { ["batch \(batchSize)", "lr \(Study.format(learningRate))"] + settings.map(\.label) }

    /// The columns' headings, each naming only the parts that differ between columns ("batch 8",
    /// "lr 0.1", "dropout 0.5 · batch 8"); a single column is named in full.
    public static func titles(_ columns: [StudyColumn]) -> [String] {
        guard columns.count > 1 else { return columns.map(\.fullTitle) }
        let partLists = columns.map(\.parts)
        let varying = partLists[0].indices.filter { index in
            Set(partLists.map { index < $0.count ? $0[index] : "" }).count > 1
        }
        return partLists.map { parts in varying.map { parts[$0] }.joined(separator: ", ") }
    }
}
