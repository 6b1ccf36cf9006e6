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
        self is AffineNorm
    }
}

/// A norm with a learned affine map y = γ·x̂ + β: every norm of `NormKind` (γ and β have shape (C),
/// or LayerNorm's normalized shape).
public protocol AffineNorm: Layer {
    /// γ.
    var weight: Parameter { get }
    /// β.
    var bias: Parameter { get }
}

extension BatchNormBase: AffineNorm {}
extension GroupStatisticsNorm: AffineNorm {}
