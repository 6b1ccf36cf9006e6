import CNNCore

/// Layers applied in order, as `torch.nn.Sequential`; children are named "0", "1", … so that
/// parameter names match PyTorch's state_dict ("3.weight").
///
/// Backward runs the children in reverse, asking every inner layer for its input gradient and
/// passing the caller's `needsInputGradient` to the first layer only.
///
/// Forward fuses a conv or norm with the ReLU after it, and in inference a conv with the BatchNorm
/// after it (`Fusion`, `Sequential+Fusion.swift`).
public final class Sequential: Layer {
    public private(set) var layers: [Layer]
    /// Whether forwards fuse (default: `Fusion.isEnabled`).
    public var fuses = Fusion.isEnabled
    /// Per layer: the output a skipped (fused) ReLU's backward reads, else nil.
    var fusedReLUOutputs: [Tensor?] = []
    /// Whether the last forward folded a BatchNorm into a conv (no backward then).
    var lastForwardFolded = false

    public init(_ layers: [Layer]) { self.layers = layers }

    /// Adds a layer at the end (for builders; not during a forward/backward pair).
    public func append(_ layer: Layer) { layers.append(layer) }

    public var summary: String { "sequential (\(layers.count) layers)" }
    public var children: [(name: String, layer: Layer)] { layers.enumerated().map { (String($0.offset), $0.element) } }

    public func outputShape(for input: Shape) -> Shape {
        layers.reduce(input) { $1.outputShape(for: $0) }
    }

    public func forwardFLOPs(for input: Shape) -> Int {
        var shape = input, total = 0
        for layer in layers {
            total += layer.forwardFLOPs(for: shape)
            shape = layer.outputShape(for: shape)
        }
        return total
    }

    /// Validates each child on the shape its predecessor produces; the error names the child.
    public func validate(_ input: Shape, mode: Mode) throws {
        var shape = input
        for (index, layer) in layers.enumerated() {
            do {
                try layer.validate(shape, mode: mode)
            } catch let error as LayerError {
                throw LayerError("layer \(index) (\(layer.summary)) on input \(shape): \(error.message)")
            }
            shape = layer.outputShape(for: shape)
        }
    }

    public func forward(_ input: Tensor, mode: Mode) -> Tensor {
        if fusedReLUOutputs.count != layers.count { fusedReLUOutputs = Array(repeating: nil, count: layers.count) }
        for index in fusedReLUOutputs.indices { fusedReLUOutputs[index] = nil }
        lastForwardFolded = false
        if fuses { return fusedForward(input, mode: mode) }
        var x = input
        for layer in layers { x = layer.profiledForward(x, mode: mode) }
        return x
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        precondition(
            !lastForwardFolded,
            "Sequential: backward after an inference forward that folded a BatchNorm into a conv; set fuses = false first"
        )
        var gradient: Tensor? = outputGradient
        var index = layers.count - 1
        while index >= 0 {
            if fuses, let fused = fusedBackward(at: index, gradient!, needsInputGradient: needsInputGradient) {
                (gradient, index) = (fused.gradient, fused.next)
                continue
            }
            if index < fusedReLUOutputs.count, let output = fusedReLUOutputs[index], let relu = layers[index] as? ReLU {
                gradient = Self.timed(relu, .backward) { [gradient] in relu.backward(gradient!, output: output) }
            } else {
                gradient = layers[index].profiledBackward(
                    gradient!, needsInputGradient: index == 0 ? needsInputGradient : true)
            }
            index -= 1
        }
        return layers.isEmpty ? (needsInputGradient ? outputGradient : nil) : gradient
    }
}
