import CNNNorms

/// Turns a model file into a `ResolvedModel`: reads every line with its kind from `LayerTable`,
/// infers shapes layer to layer with the kind's rules, fills the norm slots, applies the run's
/// `ModelOverrides`, and drops the bias of a conv or linear layer in front of a norm (the norm's β
/// replaces it) unless an override or the file decided it.
public enum ModelResolver {
    /// Keywords that give the file its structure but are no layer of their own.
    static let structuralKeywords = ["input", "shortcut", "end"]
    static let inputKeys = [
        ArgumentKey("channels", example: "1"), ArgumentKey("size", example: "28"),
        ArgumentKey("height", example: "28"), ArgumentKey("width", example: "28")
    ]

    public static func resolve(
        _ file: ModelFile, name: String, classCount: Int, norm: NormConfiguration, overrides: ModelOverrides = .none
    ) throws -> ResolvedModel {
        let (channels, height, width) = try inputShape(of: file)
        var context = Context(path: file.path, classCount: classCount, norm: norm, rest: file.statements.dropFirst())
        var layers = try context.resolveBlock(from: [channels, height, width], until: [])
        if let extra = context.rest.first {
            throw ModelFileError(
                path: file.path, line: extra.line, message: "'\(extra.kind)' without a matching `residual`")
        }
        let shape = layers.last?.outputShape ?? [channels, height, width]
        guard shape.count == 1 else {
            throw ModelFileError(
                path: file.path, line: file.statements.last?.line ?? 0,
                message:
                    "the model ends with shape \(shape.map(String.init).joined(separator: "×")); it must end with `linear outputFeatures=classes` (after `flatten`)"
            )
        }
        guard shape[0] == classCount else {
            throw ModelFileError(
                path: file.path, line: file.statements.last?.line ?? 0,
                message:
                    "the model ends with \(shape[0]) outputs but the dataset has \(classCount) classes; use `linear outputFeatures=classes`"
            )
        }
        layers = placeNorms(layers, position: norm.position)
        do { try overrides.apply(to: &layers) } catch let problem as LayerProblem {
            throw ModelFileError(path: file.path, line: 0, message: problem.message)
        }
        dropRedundantBiases(&layers)
        let model = ResolvedModel(
            name: name, inputShape: [channels, height, width], classCount: classCount, layers: layers,
            norm: norm.kind.rawValue, normPosition: norm.position.rawValue, description: file.description)
        // Each line is checked as it is read; what is left is the total, with the final biases.
        do { _ = try model.validatedParameterCount() } catch {
            throw ModelFileError(path: file.path, line: 0, message: "\(error)")
        }
        return model
    }

    /// The (C, H, W) of the model's `input` line, which must be its first line. The dataset is
    /// decoded to this shape before the rest of the model is resolved.
    public static func inputShape(of file: ModelFile) throws -> (channels: Int, height: Int, width: Int) {
        guard let first = file.statements.first else {
            throw ModelFileError(
                path: file.path, line: 0, message: "the file has no layers; it must start with an `input` line")
        }
        guard first.kind == "input" else {
            throw ModelFileError(
                path: file.path, line: first.line,
                message: "the first line must be `input channels=C height=H width=W` (or size=S), not '\(first.kind)'")
        }
        var reader = ArgumentReader(statement: first, path: file.path, classCount: 1, keys: inputKeys)
        try reader.rejectUnknownKeys()
        let channels = try reader.int("channels", min: 1)
        let size = try reader.optionalInt("size", min: 1)
        guard let height = try reader.optionalInt("height", min: 1) ?? size,
            let width = try reader.optionalInt("width", min: 1) ?? size
        else {
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
            if result[index].type == "norm" && LayerTable.kind(result[index + 1].type)?.isActivation == true {
                result.swapAt(index, index + 1)
                index += 2
            } else {
                index += 1
            }
        }
        return result
    }

    /// A conv or linear layer directly followed by a norm loses its bias unless the file asked for one.
    static func dropRedundantBiases(_ layers: inout [LayerSpec]) {
        for index in layers.indices {
            if layers[index].body != nil { dropRedundantBiases(&layers[index].body!) }
            if layers[index].shortcut != nil { dropRedundantBiases(&layers[index].shortcut!) }
            if layers[index].bias == nil, LayerTable.kind(layers[index].type)?.hasBias == true {
                let followedByNorm = index + 1 < layers.count && layers[index + 1].type == "norm"
                layers[index].bias = !followedByNorm
            }
        }
    }

    /// The lines still to read, and what every line is read with.
    struct Context {
        let path: String
        let classCount: Int
        let norm: NormConfiguration
        /// The statements not read yet.
        var rest: ArraySlice<ModelFile.Statement>

        func error(_ statement: ModelFile.Statement, _ message: String) -> ModelFileError {
            ModelFileError(path: path, line: statement.line, message: message)
        }

        /// Resolves the statements up to one of `terminators` (which is left unread), starting from
        /// one sample of shape `input`.
        mutating func resolveBlock(from input: [Int], until terminators: Set<String>) throws -> [LayerSpec] {
            var layers: [LayerSpec] = []
            var shape = input
            while let statement = rest.first, !terminators.contains(statement.kind) {
                rest = rest.dropFirst()
                if let layer = try resolve(statement, input: shape) {
                    layers.append(layer)
                    shape = layer.outputShape
                }
            }
            return layers
        }

        /// Reads the next statement if it is `keyword` (`shortcut`, `end`).
        mutating func take(_ keyword: String) -> Bool {
            guard rest.first?.kind == keyword else { return false }
            rest = rest.dropFirst()
            return true
        }

        /// One line: its arguments by its kind's keys, then its shapes by its kind's rules.
        mutating func resolve(_ statement: ModelFile.Statement, input: [Int]) throws -> LayerSpec? {
            guard let kind = LayerTable.kind(statement.kind) else { throw notALayer(statement) }
            var arguments = ArgumentReader(statement: statement, path: path, classCount: classCount, keys: kind.keys)
            try arguments.rejectUnknownKeys()
            let blank = LayerSpec(type: kind.keyword, line: statement.line, inputShape: input, outputShape: input)
            guard var layer = try kind.read(&arguments, into: blank, resolver: &self) else {
                try arguments.finish()
                return nil
            }
            try arguments.finish()
            // A walker per line checks the line's own sizes; the model's total is checked once resolved.
            var walker = ShapeWalker()
            do {
                layer.outputShape = try kind.outputShape(of: layer, input: input, walker: &walker)
            } catch let problem as LayerProblem {
                throw error(statement, problem.message)
            } catch let problem as ModelValidationError {
                throw error(statement, problem.description)
            }
            return layer
        }

        /// A structural keyword out of place, or an unknown one with the nearest known keyword.
        func notALayer(_ statement: ModelFile.Statement) -> ModelFileError {
            switch statement.kind {
            case "input":
                return error(statement, "`input` may only be the first line")
            case "shortcut", "end":
                return error(statement, "'\(statement.kind)' outside a `residual` block")
            default:
                let known = LayerTable.keywords + ModelResolver.structuralKeywords
                let suggestion = known.min { editDistance($0, statement.kind) < editDistance($1, statement.kind) }!
                return error(
                    statement,
                    "unknown layer '\(statement.kind)' (did you mean '\(suggestion)'?); known layers: \(LayerTable.keywords.joined(separator: ", "))"
                )
            }
        }
    }
}
