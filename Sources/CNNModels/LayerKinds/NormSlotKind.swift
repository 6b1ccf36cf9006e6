import CNNCore
import CNNLayers
import CNNNorms

/// `norm [groups=G]`: a norm slot, filled by `--norm` (`NormConfiguration`); under `--norm none`
/// the slot is removed. Which norm fits the slot, and its parameters, is `NormSlot`'s to say.
struct NormSlotKind: LayerKind {
    let keyword = "norm"
    let keys = [ArgumentKey("groups", example: "8")]

    func read(_ arguments: inout ArgumentReader, into spec: LayerSpec, resolver: inout ModelResolver.Context) throws
        -> LayerSpec?
    {
        let slotGroups = try arguments.optionalInt("groups", min: 1)
        let norm = resolver.norm
        guard norm.kind != .none else { return nil }
        var spec = spec
        spec.norm = norm.kind.rawValue
        if norm.kind == .group { spec.groups = norm.groupCount ?? slotGroups ?? NormConfiguration.defaultGroupCount }
        return spec
    }

    func outputShape(of spec: LayerSpec, input: [Int], walker: inout ShapeWalker) throws -> [Int] {
        guard let kind = NormKind(rawValue: spec.norm ?? ""), kind != .none else {
            throw LayerProblem("has no norm kind (batch, layer, instance or group)")
        }
        let slot = try self.slot(kind, spec, input: input)
        if let problem = slot.problem { throw LayerProblem(problem) }
        // Refused before anything is built: a LayerNorm's γ, β are allocated with the layer.
        guard let count = slot.parameterCount, count <= ResolvedModel.maximumParameterCount else {
            throw LayerProblem(
                "a \(kind.rawValue) norm over \(input.map(String.init).joined(separator: "×")) would have \(slot.parameterCount.map(String.init) ?? "too many") parameters, more than the \(ResolvedModel.maximumParameterCount) allowed"
            )
        }
        try walker.addParameters(count)
        return input
    }

    func build(_ spec: LayerSpec, context: inout BuildContext) throws -> Layer {
        let slot = try self.slot(NormKind(rawValue: spec.norm ?? "") ?? .none, spec, input: spec.inputShape)
        guard
            let layer = try NormFactory.make(
                slot.kind, channelCount: slot.channelCount, height: slot.height, width: slot.width,
                groupCount: slot.groupCount, layerName: "norm (line \(spec.line ?? 0))")
        else {
            throw LayerError("norm layer without a kind at line \(spec.line ?? 0)")
        }
        return layer
    }

    /// The slot of one sample of shape (C, H, W) or (C) features.
    private func slot(_ kind: NormKind, _ spec: LayerSpec, input: [Int]) throws -> NormSlot {
        guard input.count == 3 || input.count == 1 else { throw LayerProblem("cannot normalize \(input)") }
        let groupCount = kind == .group ? try LayerProblem.require(spec.groups, "groups") : 1
        return NormSlot(
            kind: kind, channelCount: input[0], height: input.count == 3 ? input[1] : 1,
            width: input.count == 3 ? input[2] : 1, groupCount: groupCount)
    }
}
