import CNNCore

/// The normalization that fills a model's `norm` slots (`--norm`).
///
/// Every kind computes y = γ·(x − μ)/√(σ² + ε) + β on NCHW input; they differ in the set of values
/// μ and σ² are taken over and in the shape of γ, β (see each layer's documentation).
public enum NormKind: String, CaseIterable, Codable, Sendable {
    case batch, layer, instance, group, none
    /// BatchNorm with statistics over every process of a data-parallel job (`SyncBatchNorm`);
    /// in one process it is `batch`. Its state_dict is BatchNorm's.
    case syncbatch

    /// One line: what the statistics are taken over.
    public var explanation: String {
        switch self {
        case .batch: return "per channel over the batch and positions (N, H, W); running statistics for inference"
        case .layer: return "per sample over all channels and positions (C, H, W); γ, β per element"
        case .instance: return "per sample and channel over positions (H, W); γ, β per channel"
        case .group: return "per sample over each group of C/G channels and their positions; γ, β per channel"
        case .none: return "no normalization (the preceding conv keeps its bias)"
        case .syncbatch:
            return "batch, with statistics over the samples of every process (mpirun); batch in one process"
        }
    }

    /// Trainable parameters (γ and β) of this norm on C channels at H×W: 2·C, or 2·C·H·W for
    /// `.layer` (per-element affine), 0 for `.none` (`NormSlot.parameterCount`).
    public func parameterCount(channelCount: Int, height: Int, width: Int) -> Int {
        NormSlot(kind: self, channelCount: channelCount, height: height, width: width, groupCount: 1).parameterCount
            ?? .max
    }
}

/// Builds the norm layer for one slot of a model, with user-facing errors for bad options.
public enum NormFactory {
    /// The norm layer of `kind` for input of C channels at H×W (H = W = 1 for (N, C) features).
    ///
    /// - Parameters:
    ///   - groupCount: G, used by `.group` only; must be ≥ 1 and divide C.
    ///   - layerName: names the slot in error messages, e.g. "conv2 norm".
    /// - Returns: nil for `.none`.
    /// - Throws: `LayerError` with `NormSlot.problem`: G does not divide C (listing the divisors
    ///   of C), or `.instance` on 1×1 input (one value per statistic).
    ///
    /// With H = W = 1, `.layer` builds `LayerNorm(featureCount: C)` (γ, β of shape (C), as
    /// `nn.LayerNorm(C)` after a flatten or linear layer).
    public static func make(
        _ kind: NormKind, channelCount: Int, height: Int, width: Int, groupCount: Int,
        layerName: String
    ) throws -> Layer? {
        let slot = NormSlot(
            kind: kind, channelCount: channelCount, height: height, width: width, groupCount: groupCount)
        if let problem = slot.problem { throw LayerError("layer '\(layerName)': \(problem)") }
        switch kind {
        case .none:
            return nil
        case .batch:
            return BatchNorm(channelCount: channelCount)
        case .syncbatch:
            return SyncBatchNorm(channelCount: channelCount)
        case .layer:
            if height == 1 && width == 1 { return LayerNorm(featureCount: channelCount) }
            return LayerNorm(channelCount: channelCount, height: height, width: width)
        case .instance:
            return InstanceNorm(channelCount: channelCount)
        case .group:
            return GroupNorm(groupCount: groupCount, channelCount: channelCount)
        }
    }
}
