import CNNCore

extension Layer {
    /// Parameters that belong to norm layers (γ, β), in this layer and its children.
    public var normParameterCount: Int {
        var total = isNormLayer ? parameters.reduce(0) { $0 + $1.count } : 0
        for child in children { total += child.layer.normParameterCount }
        return total
    }

    /// One of the norms of `NormKind`.
    public var isNormLayer: Bool {
        self is BatchNormBase || self is GroupNorm || self is LayerNorm || self is InstanceNorm
    }
}
