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

    /// Checks, with the rules of each layer's kind in `LayerTable`, that every layer has the fields
    /// its type needs, that sizes are positive, below `maximumDimension` and consistent from layer
    /// to layer (each layer's input is the previous output, its output what its sizes give), that
    /// the model ends with `classCount` outputs and that it has at most `maximumParameterCount`
    /// parameters. Returns the parameter count.
    /// - Throws: `ModelValidationError` naming the layer (by its model-file line) and the problem.
    public func validatedParameterCount() throws -> Int {
        guard inputShape.count == 3, inputShape.allSatisfy({ (1...Self.maximumDimension).contains($0) }) else {
            throw ModelValidationError(
                "the model's input shape \(inputShape) is not three sizes in 1…\(Self.maximumDimension)")
        }
        var walker = ShapeWalker()
        let output = try walker.walk(layers, from: inputShape)
        guard output == [classCount] else {
            throw ModelValidationError("the model ends with shape \(output) but has \(classCount) classes")
        }
        return walker.parameterCount
    }
}
