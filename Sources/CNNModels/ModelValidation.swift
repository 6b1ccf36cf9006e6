import CNNNorms

/// A resolved model that did not come from `ModelResolver` (a checkpoint's `model` metadata) is
/// checked before anything is built from it: the builder trusts every field it reads.
public struct ModelValidationError: Error, CustomStringConvertible {
    public let description: String
    init(_ message: String) { description = message }
}

extension ResolvedModel {
    /// The largest model this engine agrees to build: 2^28 parameters (1 GB of F32 weights, as much
    /// again for their gradients).
    public static let maximumParameterCount = 1 << 28
    /// The largest side of an image, and the most channels or features of any layer.
    public static let maximumDimension = 1 << 20

    /// Checks that every layer has the fields its type needs, that sizes are positive, below
    /// `maximumDimension` and consistent from layer to layer (each layer's input is the previous
    /// output, its output what its sizes give), that the model ends with `classCount` outputs and
    /// that it has at most `maximumParameterCount` parameters. Returns the parameter count.
    /// - Throws: `ModelValidationError` naming the layer (by its model-file line) and the problem.
    public func validatedParameterCount() throws -> Int {
        guard inputShape.count == 3, inputShape.allSatisfy({ (1...Self.maximumDimension).contains($0) }) else {
            throw ModelValidationError("the model's input shape \(inputShape) is not three sizes in 1…\(Self.maximumDimension)")
        }
        var validator = Validator()
        let output = try validator.walk(layers, from: inputShape)
        guard output == [classCount] else {
            throw ModelValidationError("the model ends with shape \(output) but has \(classCount) classes")
        }
        return validator.parameterCount
    }

    struct Validator {
        var parameterCount = 0

        mutating func add(_ factors: Int...) throws {
            var product = 1
            for factor in factors {
                let (result, overflow) = product.multipliedReportingOverflow(by: factor)
                guard !overflow, result <= ResolvedModel.maximumParameterCount else { throw tooLarge() }
                product = result
            }
            parameterCount += product
            guard parameterCount <= ResolvedModel.maximumParameterCount else { throw tooLarge() }
        }

        func tooLarge() -> ModelValidationError {
            ModelValidationError("the model has more than \(ResolvedModel.maximumParameterCount) parameters")
        }

        mutating func walk(_ layers: [LayerSpec], from input: [Int]) throws -> [Int] {
            var shape = input
            for layer in layers { shape = try check(layer, input: shape) }
            return shape
        }

        mutating func check(_ layer: LayerSpec, input shape: [Int]) throws -> [Int] {
            let name = "layer '\(layer.type)'" + (layer.line.map { " (line \($0))" } ?? "")
            func fail(_ problem: String) -> ModelValidationError { ModelValidationError("\(name): \(problem)") }
            func size(_ value: Int?, _ field: String, minimum: Int = 1,
                      maximum: Int = ResolvedModel.maximumDimension) throws -> Int {
                guard let value else { throw fail("has no \(field)") }
                guard (minimum...maximum).contains(value) else {
                    throw fail("\(field) \(value) is outside \(minimum)…\(maximum)")
                }
                return value
            }
            func sliding(_ input: Int, _ kernel: Int, _ stride: Int, _ padding: Int) -> Int {
                let span = input + 2 * padding - kernel  // all below 2^20: no overflow
                return span < 0 ? 0 : span / stride + 1
            }
            guard layer.inputShape == shape else { throw fail("says its input is \(layer.inputShape) but receives \(shape)") }
            let isImage = shape.count == 3
            var output: [Int]
            switch layer.type {
            case "conv":
                guard isImage else { throw fail("needs an image input, gets \(shape)") }
                let inChannels = try size(layer.inChannels, "inChannels"), outChannels = try size(layer.outChannels, "outChannels")
                let kernel = try size(layer.kernel, "kernel"), stride = try size(layer.stride, "stride")
                let padding = try size(layer.padding, "padding", minimum: 0)
                guard inChannels == shape[0] else { throw fail("takes \(inChannels) channels but receives \(shape[0])") }
                let height = sliding(shape[1], kernel, stride, padding), width = sliding(shape[2], kernel, stride, padding)
                guard height >= 1, width >= 1 else { throw fail("a \(kernel)×\(kernel) kernel does not fit \(shape[1])×\(shape[2])") }
                try add(outChannels, inChannels, kernel, kernel)
                if layer.bias ?? true { try add(outChannels) }
                output = [outChannels, height, width]
            case "linear":
                guard shape.count == 1 else { throw fail("needs features, gets \(shape)") }
                // A flattened map may have more features than any one size has values.
                let inFeatures = try size(layer.inChannels, "inChannels", maximum: ResolvedModel.maximumParameterCount)
                let outFeatures = try size(layer.outChannels, "outChannels")
                guard inFeatures == shape[0] else { throw fail("takes \(inFeatures) features but receives \(shape[0])") }
                try add(outFeatures, inFeatures)
                if layer.bias ?? true { try add(outFeatures) }
                output = [outFeatures]
            case "norm":
                guard let kind = NormKind(rawValue: layer.norm ?? ""), kind != .none else {
                    throw fail("has no norm kind (batch, layer, instance or group)")
                }
                guard shape.count == 3 || shape.count == 1 else { throw fail("cannot normalize \(shape)") }
                let height = isImage ? shape[1] : 1, width = isImage ? shape[2] : 1
                if kind == .group {
                    let groups = try size(layer.groups, "groups")
                    guard shape[0].isMultiple(of: groups) else { throw fail("\(groups) groups do not divide \(shape[0]) channels") }
                }
                if kind == .instance && height * width == 1 { throw fail("instance norm needs a spatial map, gets \(shape)") }
                if kind == .layer { try add(2, shape[0], height, width) } else { try add(2, shape[0]) }
                output = shape
            case "relu", "sigmoid", "tanh":
                output = shape
            case "leakyrelu":
                guard (layer.slope ?? 0.01).isFinite else { throw fail("slope is not a number") }
                output = shape
            case "dropout":
                guard let p = layer.probability, p >= 0, p < 1 else { throw fail("probability must be in [0, 1)") }
                output = shape
            case "flatten":
                let (count, overflow) = shape.reduce((1, false)) { partial, dimension in
                    let (product, overflow) = partial.0.multipliedReportingOverflow(by: dimension)
                    return (product, partial.1 || overflow)
                }
                guard !overflow, count <= ResolvedModel.maximumParameterCount else { throw fail("\(shape) is too large to flatten") }
                output = [count]
            case "globalavgpool":
                guard isImage else { throw fail("needs an image input, gets \(shape)") }
                output = [shape[0], 1, 1]
            case "maxpool", "avgpool":
                guard isImage else { throw fail("needs an image input, gets \(shape)") }
                let kernel = try size(layer.kernel, "kernel"), stride = try size(layer.stride ?? layer.kernel, "stride")
                let padding = try size(layer.padding ?? 0, "padding", minimum: 0)
                guard padding * 2 <= kernel else { throw fail("padding \(padding) is more than half the window \(kernel)") }
                let height = sliding(shape[1], kernel, stride, padding), width = sliding(shape[2], kernel, stride, padding)
                guard height >= 1, width >= 1 else { throw fail("a \(kernel)×\(kernel) window does not fit \(shape[1])×\(shape[2])") }
                output = [shape[0], height, width]
            case "residual":
                guard isImage else { throw fail("needs an image input, gets \(shape)") }
                guard let body = layer.body, !body.isEmpty else { throw fail("has no body") }
                let bodyOutput = try walk(body, from: shape)
                let shortcutOutput = try layer.shortcut.map { try walk($0, from: shape) } ?? shape
                guard bodyOutput == shortcutOutput else { throw fail("body gives \(bodyOutput) but the shortcut \(shortcutOutput)") }
                output = bodyOutput
            default:
                throw fail("unknown layer type")
            }
            guard layer.outputShape == output else { throw fail("says its output is \(layer.outputShape) but gives \(output)") }
            return output
        }
    }
}
