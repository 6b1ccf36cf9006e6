/// Training or inference. Passed to every forward call; never a hidden global.
public enum Mode: Sendable {
    /// Dropout drops, BatchNorm uses and updates batch statistics, layers keep what backward needs.
    case training
    /// Deterministic: dropout is the identity, BatchNorm uses its running statistics.
    case inference
}

/// A trainable tensor with its gradient.
///
/// Gradient rule (written down once): `backward` **adds** into `gradient`; the trainer zeroes all
/// gradients before each step's backward pass.
public final class Parameter {
    /// The last component of its PyTorch state_dict name: "weight" or "bias".
    public let name: String
    public let value: Tensor
    public let gradient: Tensor

    public init(name: String, shape: Shape) {
        self.name = name
        self.value = Tensor(shape: shape)
        self.gradient = Tensor(shape: shape)
    }

    public var count: Int { value.count }
}

/// Non-trainable state saved in checkpoints (BatchNorm's running statistics and counter).
public final class Buffer {
    public enum Storage {
        case float(Tensor)
        /// An integer counter (PyTorch's int64 `num_batches_tracked`).
        case counter(Int64)
    }
    public let name: String
    public var storage: Storage

    public init(name: String, storage: Storage) {
        self.name = name
        self.storage = storage
    }
}

/// One layer of a network: a forward/backward pair with its parameters.
///
/// Contract:
/// - `forward` returns a tensor the layer owns and reuses; it stays valid until the layer's next
///   `forward`. The input must stay unchanged until the matching `backward` (layers may keep a
///   reference to it instead of a copy).
/// - `backward` takes ∂loss/∂output of the last training-mode forward, adds the parameter
///   gradients into `Parameter.gradient`, and returns ∂loss/∂input (a tensor the layer owns), or
///   `nil` when `needsInputGradient` is false (the first layer's input gradient is never used).
/// - Buffers are sized on the first call for a batch shape and reused: no allocation per step.
public protocol Layer: AnyObject {
    /// A short human-readable summary, e.g. "conv 3×3 32→64 pad 1".
    var summary: String { get }
    /// The output shape for an input shape (both NCHW, or (N, features) after flatten).
    func outputShape(for input: Shape) -> Shape
    func forward(_ input: Tensor, mode: Mode) -> Tensor
    func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor?
    /// This layer's own trainable parameters (not its children's), in PyTorch state_dict order.
    var parameters: [Parameter] { get }
    /// This layer's own buffers (not its children's), in PyTorch state_dict order.
    var buffers: [Buffer] { get }
    /// Sub-layers with their state_dict names ("0", "1", … in a Sequential; "body", "shortcut").
    var children: [(name: String, layer: Layer)] { get }
    /// The FLOPs (multiply and add counted separately) of one forward pass for one sample.
    func forwardFLOPs(for input: Shape) -> Int
    /// Throws a `LayerError` when this layer cannot run on `input` in `mode` (for example
    /// BatchNorm in training with one value per channel). Called by the trainer once per new
    /// batch shape, so that `forward` itself never has to fail.
    func validate(_ input: Shape, mode: Mode) throws
    /// What this layer's time counts as in a profile (the part a layer does not split itself).
    var workKind: WorkKind { get }
}

/// A layer that cannot run on the shape it was given; the message says what is allowed.
public struct LayerError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension Layer {
    public var parameters: [Parameter] { [] }
    public var buffers: [Buffer] { [] }
    public var children: [(name: String, layer: Layer)] { [] }
    public func forwardFLOPs(for input: Shape) -> Int { 0 }
    public func validate(_ input: Shape, mode: Mode) throws {}
    public var workKind: WorkKind { .other }

    /// All parameters of this layer and its descendants with dotted state_dict names
    /// ("3.weight", "5.body.0.weight"), in the order PyTorch's `named_parameters()` gives.
    public func namedParameters(prefix: String = "") -> [(name: String, parameter: Parameter)] {
        var result = parameters.map { (prefix + $0.name, $0) }
        for child in children { result += child.layer.namedParameters(prefix: prefix + child.name + ".") }
        return result
    }

    /// All buffers of this layer and its descendants with dotted state_dict names.
    public func namedBuffers(prefix: String = "") -> [(name: String, buffer: Buffer)] {
        var result = buffers.map { (prefix + $0.name, $0) }
        for child in children { result += child.layer.namedBuffers(prefix: prefix + child.name + ".") }
        return result
    }

    /// Trainable parameter count of this layer and its descendants.
    public var parameterCount: Int { namedParameters().reduce(0) { $0 + $1.parameter.count } }

    /// Zeroes every parameter gradient of this layer and its descendants.
    public func zeroGradients() { for (_, p) in namedParameters() { p.gradient.zero() } }
}
