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

public enum NormPosition: String, CaseIterable, Sendable {
    /// conv → norm → activation (the usual place, as in the BatchNorm paper).
    case before
    /// conv → activation → norm.
    case after
}

/// Turns a model file into a `ResolvedModel`: checks every statement, infers shapes layer to layer,
/// fills the norm slots, and drops the conv bias in front of a norm (the norm's β replaces it).
public enum ModelResolver {
    static let activations: Set<String> = ["relu", "sigmoid", "tanh", "leakyrelu"]
    static let knownKinds = ["input", "conv", "linear", "norm", "relu", "sigmoid", "tanh", "leakyrelu", "maxpool",
                             "avgpool", "globalavgpool", "dropout", "flatten", "residual", "shortcut", "end"]

    public static func resolve(_ file: ModelFile, name: String, classCount: Int, norm: NormConfiguration) throws -> ResolvedModel {
        let (channels, height, width) = try inputShape(of: file)
        let statements = file.statements.dropFirst()
        var context = Context(path: file.path, classCount: classCount, norm: norm)
        var shape = [channels, height, width]
        var remaining = statements
        var layers = try context.resolveBlock(&remaining, shape: &shape, terminators: [])
        if let extra = remaining.first {
            throw ModelFileError(path: file.path, line: extra.line, message: "'\(extra.kind)' without a matching `residual`")
        }
        guard shape.count == 1 else {
            throw ModelFileError(path: file.path, line: file.statements.last?.line ?? 0,
                                 message: "the model ends with shape \(shape.map(String.init).joined(separator: "×")); it must end with `linear out=classes` (after `flatten`)")
        }
        guard shape[0] == classCount else {
            throw ModelFileError(path: file.path, line: file.statements.last?.line ?? 0,
                                 message: "the model ends with \(shape[0]) outputs but the dataset has \(classCount) classes; use `linear out=classes`")
        }
        layers = placeNorms(layers, position: norm.position)
        dropRedundantBiases(&layers)
        let model = ResolvedModel(name: name, inputShape: [channels, height, width], classCount: classCount, layers: layers,
                                  norm: norm.kind.rawValue, normPosition: norm.position.rawValue, description: file.description)
        // Sizes are checked line by line above; what is left is the total (and resolver/validator agreement).
        do { _ = try model.validatedParameterCount() } catch {
            throw ModelFileError(path: file.path, line: 0, message: "\(error)")
        }
        return model
    }

    /// The (C, H, W) of the model's `input` line, which must be its first line. The dataset is
    /// decoded to this shape before the rest of the model is resolved.
    public static func inputShape(of file: ModelFile) throws -> (channels: Int, height: Int, width: Int) {
        guard let first = file.statements.first else {
            throw ModelFileError(path: file.path, line: 0, message: "the file has no layers; it must start with an `input` line")
        }
        guard first.kind == "input" else {
            throw ModelFileError(path: file.path, line: first.line,
                                 message: "the first line must be `input channels=C height=H width=W` (or size=S), not '\(first.kind)'")
        }
        var reader = ArgumentReader(statement: first, path: file.path, classCount: 1)
        let channels = try reader.int("channels", min: 1)
        let size = try reader.optionalInt("size", min: 1)
        guard let height = try reader.optionalInt("height", min: 1) ?? size,
              let width = try reader.optionalInt("width", min: 1) ?? size else {
            throw ModelFileError(path: file.path, line: first.line, message: "`input` needs size=S or height=H width=W")
        }
        try reader.finish()
        return (channels, height, width)
    }

    /// With `--norm-position after`, each norm slot moves behind the activation that follows it.
    static func placeNorms(_ layers: [LayerSpec], position: NormPosition) -> [LayerSpec] {
        var result = layers.map { layer -> LayerSpec in
            var layer = layer
            if let body = layer.body { layer.body = placeNorms(body, position: position) }
            if let shortcut = layer.shortcut { layer.shortcut = placeNorms(shortcut, position: position) }
            return layer
        }
        guard position == .after else { return result }
        var index = 0
        while index + 1 < result.count {
            if result[index].type == "norm" && activations.contains(result[index + 1].type) {
                result.swapAt(index, index + 1)
                index += 2
            } else {
                index += 1
            }
        }
        return result
    }

    /// A conv or linear directly followed by a norm loses its bias unless the file asked for one.
    static func dropRedundantBiases(_ layers: inout [LayerSpec]) {
        for index in layers.indices {
            if layers[index].body != nil { dropRedundantBiases(&layers[index].body!) }
            if layers[index].shortcut != nil { dropRedundantBiases(&layers[index].shortcut!) }
            if layers[index].bias == nil, ["conv", "linear"].contains(layers[index].type) {
                let followedByNorm = index + 1 < layers.count && layers[index + 1].type == "norm"
                layers[index].bias = !followedByNorm
            }
        }
    }

    struct Context {
        let path: String
        let classCount: Int
        let norm: NormConfiguration
        var normSlotIndex = 0

        func error(_ statement: ModelFile.Statement, _ message: String) -> ModelFileError {
            ModelFileError(path: path, line: statement.line, message: message)
        }

        mutating func resolveBlock(_ statements: inout ArraySlice<ModelFile.Statement>, shape: inout [Int],
                                   terminators: Set<String>) throws -> [LayerSpec] {
            var layers: [LayerSpec] = []
            while let statement = statements.first {
                if terminators.contains(statement.kind) { return layers }
                statements = statements.dropFirst()
                if let layer = try resolve(statement, &statements, shape: &shape) { layers.append(layer) }
            }
            return layers
        }

        mutating func resolve(_ statement: ModelFile.Statement, _ rest: inout ArraySlice<ModelFile.Statement>,
                              shape: inout [Int]) throws -> LayerSpec? {
            var reader = ArgumentReader(statement: statement, path: path, classCount: classCount)
            try reader.rejectUnknownKeys()
            var layer = LayerSpec(type: statement.kind, line: statement.line, inputShape: shape, outputShape: shape)
            let shapeText = shape.map(String.init).joined(separator: "×")
            func requireImage() throws {
                guard shape.count == 3 else {
                    throw error(statement, "'\(statement.kind)' needs an image input (C×H×W) but gets \(shapeText) features; put it before `flatten`")
                }
            }
            switch statement.kind {
            case "conv":
                try requireImage()
                let filters = try reader.int("filters", min: 1)
                let size = try reader.int("size", min: 1)
                let stride = try reader.optionalInt("stride", min: 1) ?? 1
                let padding = try reader.optionalInt("pad", min: 0) ?? 0
                layer.bias = try reader.optionalBool("bias")
                let outH = slidingSize(shape[1], size, stride, padding), outW = slidingSize(shape[2], size, stride, padding)
                guard outH >= 1, outW >= 1 else {
                    throw error(statement, "a \(size)×\(size) kernel with pad=\(padding) does not fit the \(shape[1])×\(shape[2]) input")
                }
                layer.inChannels = shape[0]; layer.outChannels = filters
                layer.kernel = size; layer.stride = stride; layer.padding = padding
                shape = [filters, outH, outW]
            case "linear":
                guard shape.count == 1 else {
                    throw error(statement, "`linear` needs features but gets a \(shapeText) image; put `flatten` (or `globalavgpool` then `flatten`) before it")
                }
                let out = try reader.int("out", min: 1)
                layer.bias = try reader.optionalBool("bias")
                layer.inChannels = shape[0]; layer.outChannels = out
                shape = [out]
            case "norm":
                let slotGroups = try reader.optionalInt("groups", min: 1)
                normSlotIndex += 1
                if norm.kind == .none { try reader.finish(); return nil }
                let channels = shape[0], height = shape.count == 3 ? shape[1] : 1, width = shape.count == 3 ? shape[2] : 1
                let groups = norm.groupCount ?? slotGroups ?? NormConfiguration.defaultGroupCount
                // Checking the slot builds the norm: refuse a LayerNorm too large to allocate first.
                if norm.kind == .layer, 2 * channels * height * width > ResolvedModel.maximumParameterCount {
                    throw error(statement, "a layer norm over \(channels)×\(height)×\(width) would have \(2 * channels * height * width) parameters, more than the \(ResolvedModel.maximumParameterCount) allowed")
                }
                do {
                    _ = try NormFactory.make(norm.kind, channelCount: channels, height: height, width: width,
                                             groupCount: groups, layerName: "norm slot \(normSlotIndex) (line \(statement.line))")
                } catch {
                    throw self.error(statement, "\(error)")
                }
                layer.norm = norm.kind.rawValue
                layer.inChannels = channels
                if norm.kind == .group { layer.groups = groups }
            case "relu", "sigmoid", "tanh", "flatten", "globalavgpool":
                if statement.kind == "flatten" { shape = [shape.reduce(1, *)] }
                if statement.kind == "globalavgpool" { try requireImage(); shape = [shape[0], 1, 1] }
            case "leakyrelu":
                layer.slope = try reader.optionalFloat("slope") ?? 0.01
            case "maxpool", "avgpool":
                try requireImage()
                let size = try reader.int("size", min: 1)
                let stride = try reader.optionalInt("stride", min: 1) ?? size
                let padding = try reader.optionalInt("pad", min: 0) ?? 0
                guard padding * 2 <= size else {
                    throw error(statement, "pad=\(padding) must be at most half of size=\(size) (as in PyTorch)")
                }
                let outH = slidingSize(shape[1], size, stride, padding), outW = slidingSize(shape[2], size, stride, padding)
                guard outH >= 1, outW >= 1 else {
                    throw error(statement, "a \(size)×\(size) window does not fit the \(shape[1])×\(shape[2]) input")
                }
                layer.kernel = size; layer.stride = stride; layer.padding = padding
                shape = [shape[0], outH, outW]
            case "dropout":
                let p = try reader.optionalFloat("p") ?? 0.5
                guard p >= 0, p < 1 else { throw error(statement, "dropout p=\(p) must be in [0, 1)") }
                layer.probability = p
            case "residual":
                try requireImage()
                try reader.finish()
                var bodyShape = shape
                let body = try resolveBlock(&rest, shape: &bodyShape, terminators: ["shortcut", "end"])
                var shortcutShape = shape
                var shortcut: [LayerSpec]? = nil
                if rest.first?.kind == "shortcut" {
                    rest = rest.dropFirst()
                    shortcut = try resolveBlock(&rest, shape: &shortcutShape, terminators: ["end"])
                }
                guard rest.first?.kind == "end" else {
                    throw error(statement, "this `residual` block has no `end`")
                }
                rest = rest.dropFirst()
                guard !body.isEmpty else { throw error(statement, "this `residual` block has no layers") }
                guard bodyShape == shortcutShape else {
                    let what = shortcut == nil ? "the identity shortcut keeps" : "the shortcut gives"
                    throw error(statement, "the block's body gives \(bodyShape.map(String.init).joined(separator: "×")) but \(what) \(shortcutShape.map(String.init).joined(separator: "×")); add a `shortcut` (e.g. conv filters=\(bodyShape[0]) size=1 stride=2) or change the body")
                }
                layer.body = body
                layer.shortcut = shortcut
                shape = bodyShape
            case "input":
                throw error(statement, "`input` may only be the first line")
            case "shortcut", "end":
                throw error(statement, "'\(statement.kind)' outside a `residual` block")
            default:
                let suggestion = ModelResolver.knownKinds.min { editDistance($0, statement.kind) < editDistance($1, statement.kind) }!
                throw error(statement, "unknown layer '\(statement.kind)' (did you mean '\(suggestion)'?); known layers: \(ModelResolver.knownKinds.filter { !["input", "shortcut", "end"].contains($0) }.joined(separator: ", "))")
            }
            try reader.finish()
            layer.outputShape = shape
            return layer
        }

        func slidingSize(_ input: Int, _ kernel: Int, _ stride: Int, _ padding: Int) -> Int {
            let span = input + 2 * padding - kernel
            return span < 0 ? 0 : span / stride + 1
        }
    }
}

/// Reads the key=value arguments of one statement, with messages that name the line and the key.
struct ArgumentReader {
    let statement: ModelFile.Statement
    let path: String
    let classCount: Int
    var used: Set<String> = []

    init(statement: ModelFile.Statement, path: String, classCount: Int) {
        self.statement = statement; self.path = path; self.classCount = classCount
    }

    func error(_ message: String) -> ModelFileError { ModelFileError(path: path, line: statement.line, message: message) }

    mutating func optionalInt(_ key: String, min: Int) throws -> Int? {
        guard let text = statement.arguments[key] else { return nil }
        used.insert(key)
        let value = text == "classes" ? classCount : Int(text)
        guard let value else { throw error("\(key)=\(text) is not a whole number") }
        guard value >= min else { throw error("\(key)=\(value) must be at least \(min)") }
        // Sizes far beyond a small CNN would only overflow the shape arithmetic or exhaust memory.
        guard value <= ResolvedModel.maximumDimension else {
            throw error("\(key)=\(value) must be at most \(ResolvedModel.maximumDimension)")
        }
        return value
    }

    mutating func int(_ key: String, min: Int) throws -> Int {
        guard let value = try optionalInt(key, min: min) else {
            throw error("'\(statement.kind)' needs \(key)=… (for example \(key)=\(key == "out" ? "classes" : "3"))")
        }
        return value
    }

    mutating func optionalFloat(_ key: String) throws -> Float? {
        guard let text = statement.arguments[key] else { return nil }
        used.insert(key)
        guard let value = Float(text), value.isFinite else { throw error("\(key)=\(text) is not a number") }
        return value
    }

    mutating func optionalBool(_ key: String) throws -> Bool? {
        guard let text = statement.arguments[key] else { return nil }
        used.insert(key)
        switch text.lowercased() {
        case "yes", "true", "1": return true
        case "no", "false", "0": return false
        default: throw error("\(key)=\(text) must be yes or no")
        }
    }

    /// Rejects keys the layer kind does not take (a typo such as `filter=32`), before anything else
    /// is reported about the line.
    func rejectUnknownKeys() throws {
        let allowedKeys = Set((Self.allowed[statement.kind] ?? "").replacingOccurrences(of: " or ", with: ", ")
            .split(separator: ",").flatMap { $0.split(separator: " ") }.map(String.init))
        if let unknown = statement.argumentOrder.first(where: { !allowedKeys.contains($0) }),
           ModelResolver.knownKinds.contains(statement.kind) {
            throw error("'\(statement.kind)' has no argument '\(unknown)'; it takes \(Self.allowed[statement.kind] ?? "no arguments")")
        }
    }

    /// Rejects arguments nobody read (a typo such as `filter=32`).
    func finish() throws {
        if let unknown = statement.argumentOrder.first(where: { !used.contains($0) }) {
            throw error("'\(statement.kind)' has no argument '\(unknown)'; it takes \(Self.allowed[statement.kind] ?? "no arguments")")
        }
    }

    static let allowed: [String: String] = [
        "input": "channels, size, height, width",
        "conv": "filters, size, stride, pad, bias",
        "linear": "out, bias",
        "norm": "groups",
        "leakyrelu": "slope",
        "maxpool": "size, stride, pad",
        "avgpool": "size, stride, pad",
        "dropout": "p",
    ]
}

/// Levenshtein distance, for "did you mean" suggestions.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var previous = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...max(b.count, 1) where !b.isEmpty {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return a.isEmpty ? b.count : previous[b.count]
}
