import CNNCore
import CNNLayers

/// The layer kinds of the model-file language, one per keyword. Resolving a model file, checking
/// a model from a checkpoint and building layers all look kinds up here; a new layer type is a
/// new entry (and its twin in `scripts/pytorch/torch_model.py`).
public enum LayerTable {
    static let kinds: [any LayerKind] = [
        ConvKind(),
        LinearKind(),
        NormSlotKind(),
        ActivationKind("relu") { ReLU() },
        ActivationKind("sigmoid") { Sigmoid() },
        ActivationKind("tanh") { Tanh() },
        ActivationKind("silu") { SiLU() },
        LeakyReLUKind(),
        PoolKind(keyword: "maxpool", reduction: .maximum),
        PoolKind(keyword: "avgpool", reduction: .average),
        GlobalAvgPoolKind(),
        DropoutKind(),
        FlattenKind(),
        ResidualKind()
    ]

    private static let byKeyword = Dictionary(uniqueKeysWithValues: kinds.map { ($0.keyword, $0) })

    /// Every layer keyword, in the order of the table.
    public static var keywords: [String] { kinds.map(\.keyword) }

    static func kind(_ keyword: String) -> (any LayerKind)? { byKeyword[keyword] }
}
