/// Changes a run makes to every layer of one kind in its model (`--activation`, `--dropout`,
/// `--conv-bias`), applied when the model file is resolved, so that the `ResolvedModel` stored in
/// checkpoints and run configurations (and read by `scripts/pytorch/torch_model.py`) carries them.
public struct ModelOverrides: Equatable, Sendable {
    /// The activation keyword every activation layer becomes (one of `activationKeywords`); nil
    /// keeps the file's.
    public var activation: String?
    /// The probability of every dropout layer (0 ≤ p < 1); nil keeps the file's.
    public var dropout: Float?
    /// Every conv layer has a bias (true) or none has (false); nil: a conv or linear layer in front
    /// of a norm loses its bias (the norm's β replaces it), unless the file says otherwise.
    public var convBias: Bool?

    public init(activation: String? = nil, dropout: Float? = nil, convBias: Bool? = nil) {
        self.activation = activation
        self.dropout = dropout
        self.convBias = convBias
    }

    /// No change: the model as its file says.
    public static let none = ModelOverrides()

    /// The keywords `activation` accepts: the activation kinds of `LayerTable`.
    public static var activationKeywords: [String] { LayerTable.kinds.filter(\.isActivation).map(\.keyword) }

    /// The slope of a `leakyrelu` that replaces another activation: PyTorch's default.
    static let defaultSlope: Float = 0.01

    /// Applies the overrides to `layers` and to the body and shortcut of every residual block.
    /// - Throws: `LayerProblem` for an activation that is not one of `activationKeywords`.
    func apply(to layers: inout [LayerSpec]) throws {
        if let activation, !Self.activationKeywords.contains(activation) {
            throw LayerProblem(
                "--activation \(activation) is not allowed; use one of \(Self.activationKeywords.joined(separator: ", "))"
            )
        }
        for index in layers.indices {
            if layers[index].body != nil { try apply(to: &layers[index].body!) }
            if layers[index].shortcut != nil { try apply(to: &layers[index].shortcut!) }
            apply(to: &layers[index])
        }
    }

    private func apply(to layer: inout LayerSpec) {
        if let activation, LayerTable.kind(layer.type)?.isActivation == true {
            // A leakyrelu keeps its slope; another activation has none.
            let slope = layer.type == "leakyrelu" ? layer.slope : nil
            layer.type = activation
            layer.slope = activation == "leakyrelu" ? slope ?? Self.defaultSlope : nil
        }
        if let dropout, layer.type == "dropout" { layer.probability = dropout }
        if let convBias, layer.type == "conv" { layer.bias = convBias }
    }
}
