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

    /// The columns' headings, each naming only the parts that differ between columns and do not
    /// follow from another ("batch 8", "lr 0.1", "batch 8, dropout 0.5"); a single column is named in full.
    public static func titles(_ columns: [StudyColumn]) -> [String] {
        guard columns.count > 1 else { return columns.map(\.fullTitle) }
        let partLists = columns.map(\.parts)
        func part(_ parts: [String], _ index: Int) -> String { index < parts.count ? parts[index] : "" }
        var varying: [Int] = []
        for index in partLists[0].indices where Set(partLists.map { part($0, index) }).count > 1 {
            // A part that follows from an earlier varying part (the linear rule's lr from the batch
            // size) says nothing new.
            let determined = varying.contains { earlier in
                Dictionary(grouping: partLists, by: { part($0, earlier) }).values.allSatisfy {
                    Set($0.map { part($0, index) }).count == 1
                }
            }
            if !determined { varying.append(index) }
        }
        return partLists.map { parts in varying.map { parts[$0] }.joined(separator: ", ") }
    }
}
