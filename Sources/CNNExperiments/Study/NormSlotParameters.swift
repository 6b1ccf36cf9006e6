import CNNModels
import CNNNorms
import CNNTraining
import Foundation

/// The parameters of one norm slot of a model with one norm kind (a row of the report's
/// "parameters of each norm slot" table): LayerNorm's γ, β are per element (C·H·W each), the
/// others' per channel.
public struct NormSlotParameters: Codable, Equatable, Sendable {
    public var norm: NormKind
    /// 1-based position among the model's norm layers.
    public var slot: Int
    /// The normalized tensor's shape (C, H, W).
    public var shape: [Int]
    public var parameters: Int

    /// The norm slots of `model` for each of `norms` (built as the cells build it); a norm the model
    /// rejects (e.g. a --groups that divides no channel count) has no rows.
    public static func list(
        model: String, norms: [NormKind], groupCount: Int?, position: NormPosition, overrides: ModelOverrides = .none
    ) -> [NormSlotParameters] {
        guard let (name, file) = try? ModelCatalog.load(model) else { return [] }
        var slots: [NormSlotParameters] = []
        for norm in norms {
            guard
                let resolved = try? ModelResolver.resolve(
                    file, name: name, classCount: 10,
                    norm: NormConfiguration(kind: norm, groupCount: groupCount, position: position),
                    overrides: overrides),
                let built = try? ModelBuilder.build(resolved, seed: 0)
            else { continue }
            let rows = ModelReport(resolved: resolved, model: built).rows.filter(\.isNorm)
            for (index, row) in rows.enumerated() {
                slots.append(
                    NormSlotParameters(norm: norm, slot: index + 1, shape: row.outputShape, parameters: row.parameters))
            }
        }
        return slots
    }
}
