import CNNCore

/// One norm in one slot of a model: the kind and the (C, H, W) it normalizes.
///
/// The rules of norm slots live here and only here: which kind fits which input, the shape of
/// γ and β, the parameter count, and that G divides C. `NormFactory` builds from a valid slot;
/// the model table (CNNModels) checks a model's slots, from a model file or a checkpoint, with
/// the same rules before anything is allocated.
public struct NormSlot: Sendable, Equatable {
    public let kind: NormKind
    /// C, H, W of one sample; H = W = 1 for (N, C) features.
    public let channelCount: Int
    public let height: Int
    public let width: Int
    /// G; used by `.group` only.
    public let groupCount: Int

    public init(kind: NormKind, channelCount: Int, height: Int, width: Int, groupCount: Int) {
        self.kind = kind
        self.channelCount = channelCount
        self.height = height
        self.width = width
        self.groupCount = groupCount
    }

    /// The shape of γ and of β: (C), or (C, H, W) for `.layer` on a map (per-element affine, as
    /// `nn.LayerNorm([C, H, W])`); empty for `.none`.
    public var affineShape: [Int] {
        switch kind {
        case .none: return []
        case .layer where height * width > 1: return [channelCount, height, width]
        case .batch, .syncbatch, .layer, .instance, .group: return [channelCount]
        }
    }

    /// Trainable parameters (γ and β); nil when the count does not fit in an `Int`.
    public var parameterCount: Int? {
        guard !affineShape.isEmpty else { return 0 }
        var count = 2
        for size in affineShape {
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            if overflow { return nil }
            count = product
        }
        return count
    }

    /// What is wrong with this norm in this slot, and what to do instead; nil when it fits.
    public var problem: String? {
        guard channelCount >= 1, height >= 1, width >= 1 else {
            return "cannot normalize \(channelCount) channels at \(height)×\(width)"
        }
        switch kind {
        case .none, .batch, .syncbatch, .layer:
            return nil
        case .instance:
            guard NormSlot.instanceNormFits(height: height, width: width) else {
                return "instance norm needs a spatial map, but this slot has \(channelCount) channels at 1×1 "
                    + "(one value per statistic); use --norm batch, layer or group here"
            }
            return nil
        case .group:
            let divisors = (1...channelCount).filter { channelCount.isMultiple(of: $0) }
            let advice = "use a divisor of \(channelCount) such as " + divisors.map(String.init).joined(separator: ", ")
            if groupCount < 1 { return "--groups \(groupCount) must be at least 1; \(advice)" }
            if !channelCount.isMultiple(of: groupCount) {
                return "--groups \(groupCount) does not divide \(channelCount) channels; \(advice)"
            }
            return nil
        }
    }

    /// Instance norm takes its statistics over H×W: on a 1×1 map each statistic sees one value
    /// and every output would be β.
    public static func instanceNormFits(height: Int, width: Int) -> Bool { height * width > 1 }
}
