import CNNCore
import CNNData
import CNNLayers
import CNNModels
import Foundation

/// Checkpoints: `checkpoint.safetensors` holds exactly the state_dict of the equivalent PyTorch
/// `nn.Sequential` (names, shapes, F32 and I64 for `num_batches_tracked`), so
/// `model.load_state_dict(safetensors.torch.load_file(path), strict=True)` works. Its
/// `__metadata__` carries what is needed to rebuild and use the model (see `MetadataKey`).
///
/// Optimizer state would break strict loading, so it goes to a sidecar
/// `optimizer-epoch<N>.safetensors` in the same folder, written (atomically) before the checkpoint
/// that names it; older sidecars are removed only after the new checkpoint is in place. A process
/// killed at any moment leaves a checkpoint whose sidecar exists.
public enum MetadataKey {
    public static let format = "format"
    public static let model = "model"
    public static let norm = "norm"
    public static let groups = "groups"
    public static let classNames = "class_names"
    public static let inputShape = "input_shape"
    public static let mean = "normalization_mean"
    public static let std = "normalization_std"
    public static let options = "training_options"
    public static let trainerState = "trainer_state"
    public static let dropoutStates = "dropout_generator_states"
    public static let optimizerFile = "optimizer_file"
}

public let checkpointFormat = "cnntrain-checkpoint-1"

public enum CheckpointWriter {
    public static func write(
        to path: String, model: Sequential, resolved: ResolvedModel, options: TrainingOptions?,
        classNames: [String], normalization: DatasetStatistics, optimizer: Optimizer?,
        trainerState: TrainerState?
    ) throws {
        var file = SafeTensorsFile()
        for (name, parameter) in model.namedParameters() { file.add(name, tensor: parameter.value) }
        for (name, buffer) in model.namedBuffers() {
            switch buffer.storage {
            case .float(let tensor): file.add(name, tensor: tensor)
            case .counter(let value): file.add(name, int64: value)
            }
        }
        file.metadata[MetadataKey.format] = checkpointFormat
        file.metadata[MetadataKey.model] = try json(resolved)
        file.metadata[MetadataKey.norm] = resolved.norm
        if let groups = resolved.layers.lazy.compactMap(\.groups).first {
            file.metadata[MetadataKey.groups] = String(groups)
        }
        file.metadata[MetadataKey.classNames] = try json(classNames)
        file.metadata[MetadataKey.inputShape] = try json(resolved.inputShape)
        file.metadata[MetadataKey.mean] = try json(normalization.mean)
        file.metadata[MetadataKey.std] = try json(normalization.std)
        if let options { file.metadata[MetadataKey.options] = try json(options) }
        let dropouts = model.dropoutLayers
        if !dropouts.isEmpty {
            file.metadata[MetadataKey.dropoutStates] = try json(dropouts.map { $0.generator.stateWords })
        }

        let directory = (path as NSString).deletingLastPathComponent
        var sidecar: String? = nil
        if let trainerState {
            file.metadata[MetadataKey.trainerState] = try json(trainerState)
            if let optimizer {
                var state = SafeTensorsFile()
                optimizer.addState(to: &state)
                let name = "optimizer-epoch\(trainerState.completedEpochs).safetensors"
                try state.write(path: (directory.isEmpty ? "." : directory) + "/" + name)
                file.metadata[MetadataKey.optimizerFile] = name
                sidecar = name
            }
        }
        try file.write(path: path)
        if let sidecar { removeOldSidecars(in: directory.isEmpty ? "." : directory, keeping: sidecar) }
    }

    /// Disk space a run needs for its checkpoints: the checkpoint and the optimizer sidecar, twice
    /// (a new one is written beside the previous before replacing it), plus 1 MB for headers and logs.
    public static func estimatedBytes(model: Sequential, optimizer: Optimizer) -> Int {
        var modelBytes = model.namedParameters().reduce(0) { $0 + $1.parameter.value.count * 4 }
        for (_, buffer) in model.namedBuffers() {
            if case .float(let tensor) = buffer.storage { modelBytes += tensor.count * 4 } else { modelBytes += 8 }
        }
        var state = SafeTensorsFile()
        optimizer.addState(to: &state)
        let stateBytes = state.tensors.values.reduce(0) { $0 + $1.bytes.count }
        return 2 * (modelBytes + stateBytes) + (1 << 20)
    }

    static func removeOldSidecars(in directory: String, keeping: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where name.hasPrefix("optimizer-epoch") && name.hasSuffix(".safetensors") && name != keeping {
            try? FileManager.default.removeItem(atPath: directory + "/" + name)
        }
    }

    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// A checkpoint read back, with its metadata decoded.
public struct LoadedCheckpoint {
    public let path: String
    public let file: SafeTensorsFile
    public let resolved: ResolvedModel
    public let classNames: [String]
    public let normalization: DatasetStatistics
    public let options: TrainingOptions?
    public let trainerState: TrainerState?

    public init(path: String) throws {
        try self.init(file: SafeTensorsFile.read(path: path), path: path)
    }

    /// Decodes the metadata of a parsed file; `path` names it in messages.
    public init(file: SafeTensorsFile, path: String) throws {
        self.path = path
        self.file = file
        let metadata = file.metadata
        func decode<T: Decodable>(_ type: T.Type, _ key: String) throws -> T {
            guard let text = metadata[key] else {
                throw CheckpointError("\(path): not a cnntrain checkpoint (metadata '\(key)' is missing)")
            }
            do { return try JSONDecoder().decode(T.self, from: Data(text.utf8)) } catch {
                throw CheckpointError("\(path): metadata '\(key)' cannot be read (\(error))")
            }
        }
        guard let format = metadata[MetadataKey.format] else {
            throw CheckpointError(
                "\(path): not a cnntrain checkpoint (no '\(MetadataKey.format)' in its metadata); use --init only with checkpoints written by cnntrain"
            )
        }
        guard format == checkpointFormat else {
            throw CheckpointError(
                "\(path): checkpoint format '\(format)' is not supported (this cnntrain reads \(checkpointFormat))")
        }
        resolved = try decode(ResolvedModel.self, MetadataKey.model)
        // The builder trusts every field of the model; a damaged or hand-made header must not crash it.
        do { _ = try resolved.validatedParameterCount() } catch {
            throw CheckpointError("\(path): metadata '\(MetadataKey.model)' describes an invalid model: \(error)")
        }
        classNames = try decode([String].self, MetadataKey.classNames)
        guard classNames.count == resolved.classCount else {
            throw CheckpointError(
                "\(path): has \(classNames.count) class names for a model with \(resolved.classCount) outputs")
        }
        // DatasetStatistics's initializer traps on mismatched or non-positive values: check them first.
        let mean = try decode([Float].self, MetadataKey.mean), std = try decode([Float].self, MetadataKey.std)
        guard mean.count == resolved.inputShape[0], std.count == resolved.inputShape[0] else {
            throw CheckpointError(
                "\(path): normalization has \(mean.count) means and \(std.count) standard deviations but the model takes \(resolved.inputShape[0]) channels"
            )
        }
        guard mean.allSatisfy(\.isFinite), std.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw CheckpointError("\(path): normalization mean \(mean) and std \(std) must be finite, std positive")
        }
        normalization = DatasetStatistics(mean: mean, std: std)
        options = metadata[MetadataKey.options] == nil ? nil : try decode(TrainingOptions.self, MetadataKey.options)
        trainerState =
            metadata[MetadataKey.trainerState] == nil ? nil : try decode(TrainerState.self, MetadataKey.trainerState)
        if let trainerState,
            trainerState.shuffleGeneratorState.count != 4 || trainerState.completedEpochs < 0
                || trainerState.globalStep < 0
        {
            throw CheckpointError(
                "\(path): metadata '\(MetadataKey.trainerState)' is damaged (negative counts or a generator state without four words)"
            )
        }
        if let options, options.batchSize < 1 || options.epochs < 1 || options.threads < 0 {
            throw CheckpointError(
                "\(path): metadata '\(MetadataKey.options)' is damaged (batch size \(options.batchSize), epochs \(options.epochs), threads \(options.threads))"
            )
        }
    }

    /// Builds the model the checkpoint was saved from and loads its weights.
    public func buildModel() throws -> Sequential {
        let model = try ModelBuilder.build(resolved, seed: 0)
        try apply(to: model, strict: true)
        return model
    }

    /// Copies the checkpoint's tensors into `model`. Every parameter and buffer of the model must
    /// be present with its shape; with `strict`, the checkpoint may hold nothing else.
    public func apply(to model: Sequential, strict: Bool) throws {
        try apply(to: model, strict: strict, keepingFresh: [])
    }

    /// `apply(to:strict:)`, except that the parameters named in `fresh` keep the values they were
    /// built with (their tensors in the checkpoint are passed over, and do not count as extra).
    func apply(to model: Sequential, strict: Bool, keepingFresh fresh: Set<String>) throws {
        var expected = fresh
        let mismatch = "it was saved from \(resolved.name) with --norm \(resolved.norm)"
        for (name, parameter) in model.namedParameters() where !fresh.contains(name) {
            expected.insert(name)
            try read(name, into: parameter.value, context: mismatch)
        }
        for (name, buffer) in model.namedBuffers() {
            expected.insert(name)
            switch buffer.storage {
            case .float(let tensor): try read(name, into: tensor, context: mismatch)
            case .counter:
                guard file.tensors[name] != nil else { throw CheckpointError("\(path): has no '\(name)'; \(mismatch)") }
                buffer.storage = .counter(try file.int64Scalar(name))
            }
        }
        if strict, let extra = file.tensors.keys.sorted().first(where: { !expected.contains($0) }) {
            throw CheckpointError("\(path): holds '\(extra)', which this model does not have; \(mismatch)")
        }
    }

    func read(_ name: String, into tensor: Tensor, context: String) throws {
        guard let entry = file.tensors[name] else { throw CheckpointError("\(path): has no '\(name)'; \(context)") }
        guard entry.shape == tensor.shape.dimensions else {
            throw CheckpointError(
                "\(path): '\(name)' has shape \(entry.shape) but the model needs \(tensor.shape.dimensions); \(context)"
            )
        }
        try file.read(name, into: tensor)
    }

    /// Restores the optimizer state from the sidecar this checkpoint names.
    public func restoreOptimizer(_ optimizer: Optimizer) throws {
        guard let name = file.metadata[MetadataKey.optimizerFile] else {
            throw CheckpointError("\(path): has no optimizer state to resume from")
        }
        let sidecar = ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(name)
        let state = try SafeTensorsFile.read(path: sidecar)
        do { try optimizer.restoreState(from: state) } catch { throw CheckpointError("\(sidecar): \(error)") }
    }

    /// Restores the random streams of the model's dropout layers.
    public func restoreDropoutGenerators(in model: Sequential) throws {
        let dropouts = model.dropoutLayers
        guard let text = file.metadata[MetadataKey.dropoutStates] else { return }
        let states = try JSONDecoder().decode([[UInt64]].self, from: Data(text.utf8))
        guard states.count == dropouts.count, states.allSatisfy({ $0.count == 4 }) else {
            throw CheckpointError("\(path): has \(states.count) dropout states for \(dropouts.count) dropout layers")
        }
        for (layer, words) in zip(dropouts, states) { layer.generator = SeededGenerator(state: words) }
    }
}

extension Layer {
    /// Dropout layers in forward order.
    var dropoutLayers: [Dropout] {
        (self as? Dropout).map { [$0] } ?? children.flatMap { $0.layer.dropoutLayers }
    }
}
