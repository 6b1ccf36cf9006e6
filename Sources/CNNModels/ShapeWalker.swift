/// Walks a list of layer specs through `LayerTable`: checks each against the shape it receives,
/// infers the shape it passes on, and counts parameters against `maximumParameterCount`.
struct ShapeWalker {
    private(set) var parameterCount = 0

    /// The output shape of `layers` for one sample of shape `input`.
    /// - Throws: `ModelValidationError` naming the layer (its type and model-file line).
    mutating func walk(_ layers: [LayerSpec], from input: [Int]) throws -> [Int] {
        var shape = input
        for layer in layers { shape = try check(layer, input: shape) }
        return shape
    }

    /// Checks one layer read from elsewhere (a checkpoint): its kind, its stated input and output
    /// shapes, and every field its kind needs.
    mutating func check(_ layer: LayerSpec, input shape: [Int]) throws -> [Int] {
        let name = "layer '\(layer.type)'" + (layer.line.map { " (line \($0))" } ?? "")
        func fail(_ problem: String) -> ModelValidationError { ModelValidationError("\(name): \(problem)") }
        guard let kind = LayerTable.kind(layer.type) else { throw fail("unknown layer type") }
        guard layer.inputShape == shape else {
            throw fail("says its input is \(layer.inputShape) but receives \(shape)")
        }
        let output: [Int]
        do { output = try kind.outputShape(of: layer, input: shape, walker: &self) } catch let problem as LayerProblem {
            throw fail(problem.message)
        }
        guard layer.outputShape == output else {
            throw fail("says its output is \(layer.outputShape) but gives \(output)")
        }
        return output
    }

    /// Adds a layer's parameters: the product of `factors`.
    mutating func addParameters(_ factors: Int...) throws {
        var product = 1
        for factor in factors {
            let (result, overflow) = product.multipliedReportingOverflow(by: factor)
            guard !overflow, result <= ResolvedModel.maximumParameterCount else { throw tooLarge }
            product = result
        }
        parameterCount += product
        guard parameterCount <= ResolvedModel.maximumParameterCount else { throw tooLarge }
    }

    private var tooLarge: LayerProblem {
        LayerProblem("the model has more than \(ResolvedModel.maximumParameterCount) parameters")
    }
}
