import CNNNorms

/// How the `norm` slots of a model are filled (`--norm`, `--groups`, `--norm-position`).
public struct NormConfiguration: Sendable, Equatable {
    public var kind: NormKind
    /// `--groups`; nil when not given (a slot's own `groups=` or 8 is used then).
    public var groupCount: Int?
    /// Where the norm goes relative to the activation that follows its slot.
    public var position: NormPosition

    public init(kind: NormKind, groupCount: Int? = nil, position: NormPosition = .before) {
        self.kind = kind; self.groupCount = groupCount; self.position = position
    }

    public static let defaultGroupCount = 8
}

public enum NormPosition: String, CaseIterable, Codable, Sendable {
    /// conv → norm → activation (the usual place, as in the BatchNorm paper).
    case before
    /// conv → activation → norm.
    case after
}
