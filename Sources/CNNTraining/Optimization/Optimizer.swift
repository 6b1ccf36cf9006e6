import CNNCore

/// Updates parameters from their gradients, one step at a time, as `torch.optim` does.
///
/// Gradient rule (see `Parameter`): backward passes add into `Parameter.gradient`; the trainer
/// zeroes the gradients before each backward pass. `step` only reads the gradients.
///
/// State: per-parameter tensors (momentum buffers, Adam moments) are allocated once, at
/// construction, with the parameter's shape, and `step` allocates nothing. For checkpoints the state
/// is a fixed set of named F32 tensors (`stateTensors()`, names like "momentum_buffer.0.weight" or
/// "exp_avg.3.bias") plus `stepCount`; `restoreState` takes the same back and throws an
/// `OptimizerError` when names, shapes or the optimizer kind do not match.
public protocol Optimizer: AnyObject {
    /// "sgd" or "adamw": stored in checkpoints so that a resumed run refuses another optimizer's state.
    var kind: String { get }
    /// The parameters this optimizer updates, with their state_dict names.
    var parameters: [(name: String, parameter: Parameter)] { get }
    /// Steps taken so far (PyTorch's `state[p]["step"]` for Adam; decides SGD's first-step buffer).
    var stepCount: Int { get }
    /// One update of every parameter from its current gradient.
    func step(learningRate: Float)
    /// The optimizer's state tensors (references to the live buffers, not copies), in parameter order.
    func stateTensors() -> [(name: String, tensor: Tensor)]
    /// Replaces the state with a saved one. Every name of `stateTensors()` must be present with the
    /// same shape and no other name may be; values are copied.
    /// - Throws: `OptimizerError` naming the first missing, unexpected or mis-shaped tensor.
    func restoreState(stepCount: Int, tensors: [String: Tensor]) throws
}

/// Invalid optimizer settings or a saved state that does not fit; the message says what is allowed.
public struct OptimizerError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

// MARK: - Checkpoint glue

extension Optimizer {
    /// Metadata keys a checkpoint stores next to the state tensors.
    public static var kindMetadataKey: String { "optimizer" }
    public static var stepCountMetadataKey: String { "optimizer_step_count" }

    /// Adds the state tensors (as F32, each name prefixed with `prefix`) and the kind and step count
    /// (as metadata) to a safetensors file.
    ///
    /// Keep optimizer state out of the model's file (write it to its own file, e.g.
    /// `run.optimizer.safetensors`, or use a prefix the loader strips): PyTorch's
    /// `load_state_dict(strict=True)` rejects names that are not the model's.
    public func addState(to file: inout SafeTensorsFile, prefix: String = "optimizer.") {
        for (name, tensor) in stateTensors() { file.add(prefix + name, tensor: tensor) }
        file.metadata[Self.kindMetadataKey] = kind
        file.metadata[Self.stepCountMetadataKey] = String(stepCount)
    }

    /// Restores the state written by `addState(to:prefix:)`.
    /// - Throws: `OptimizerError` when the kind or step count metadata is missing or different, or a
    ///   state tensor is missing, unexpected or mis-shaped; `CheckpointError` when a tensor is not F32.
    public func restoreState(from file: SafeTensorsFile, prefix: String = "optimizer.") throws {
        guard let savedKind = file.metadata[Self.kindMetadataKey] else {
            throw OptimizerError(
                "checkpoint has no optimizer state (metadata key \"\(Self.kindMetadataKey)\" is missing)")
        }
        guard savedKind == kind else {
            throw OptimizerError("checkpoint holds \(savedKind) state, but the optimizer is \(kind)")
        }
        guard let text = file.metadata[Self.stepCountMetadataKey], let savedSteps = Int(text), savedSteps >= 0 else {
            throw OptimizerError("checkpoint metadata \"\(Self.stepCountMetadataKey)\" is missing or not a step count")
        }
        var tensors: [String: Tensor] = [:]
        for name in file.tensors.keys where name.hasPrefix(prefix) {
            tensors[String(name.dropFirst(prefix.count))] = try file.floatTensor(name)
        }
        try restoreState(stepCount: savedSteps, tensors: tensors)
    }
}

/// Shared by the optimizers: allocates one zero tensor per parameter and checks saved state.
enum OptimizerState {
    static func zeros(like parameters: [(name: String, parameter: Parameter)]) -> [Tensor] {
        parameters.map { Tensor(shape: $0.parameter.value.shape) }
    }

    /// Copies `saved` into `live` (names `group + "." + parameter name`), after checking that the
    /// saved set is exactly the live set with equal shapes.
    static func restore(_ saved: [String: Tensor], into live: [(name: String, tensor: Tensor)], kind: String) throws {
        let expected = Set(live.map(\.name))
        if let extra = saved.keys.sorted().first(where: { !expected.contains($0) }) {
            throw OptimizerError(
                "\(kind) state has an unexpected tensor \"\(extra)\" (expected \(live.count) tensors such as \"\(live.first?.name ?? "")\")"
            )
        }
        for (name, tensor) in live {
            guard let source = saved[name] else { throw OptimizerError("\(kind) state is missing tensor \"\(name)\"") }
            guard source.shape == tensor.shape else {
                throw OptimizerError(
                    "\(kind) state tensor \"\(name)\" has shape \(source.shape), the parameter has \(tensor.shape)")
            }
        }
        for (name, tensor) in live { tensor.copy(from: saved[name]!) }
    }
}
