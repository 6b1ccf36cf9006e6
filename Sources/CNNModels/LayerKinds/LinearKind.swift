import CNNCore
import CNNLayers

/// `linear outputFeatures=N [bias=yes|no]`: fully connected, `nn.Linear`; `outputFeatures=classes`
/// takes the dataset's class count.
struct LinearKind: LayerKind {
    let keyword = "linear"
    let keys = [
        ArgumentKey("outputFeatures", formerly: ["out"], example: "classes"), ArgumentKey("bias", example: "no")
    ]
    var hasBias: Bool { true }

    func read(_ arguments: inout ArgumentReader, into spec: LayerSpec, resolver: inout ModelResolver.Context) throws
        -> LayerSpec?
    {
        var spec = spec
        spec.inputFeatures = spec.inputShape.first
        spec.outputFeatures = try arguments.int("outputFeatures", min: 1)
        spec.bias = try arguments.optionalBool("bias")
        return spec
    }

    func outputShape(of spec: LayerSpec, input: [Int], walker: inout ShapeWalker) throws -> [Int] {
        guard input.count == 1 else {
            throw LayerProblem(
                "`linear` needs features but gets a \(input.map(String.init).joined(separator: "×")) image; put `flatten` (or `globalavgpool` then `flatten`) before it"
            )
        }
        // A flattened map may have more features than any one size has values.
        let inputFeatures = try LayerProblem.require(
            spec.inputFeatures, "inputFeatures", maximum: ResolvedModel.maximumParameterCount)
        let outputFeatures = try LayerProblem.require(spec.outputFeatures, "outputFeatures")
        guard inputFeatures == input[0] else {
            throw LayerProblem("takes \(inputFeatures) features but receives \(input[0])")
        }
        try walker.addParameters(outputFeatures, inputFeatures)
        if spec.bias ?? true { try walker.addParameters(outputFeatures) }
        return [outputFeatures]
    }

    func build(_ spec: LayerSpec, context: inout BuildContext) throws -> Layer {
        Linear(
            inputFeatures: spec.inputFeatures!, outputFeatures: spec.outputFeatures!, bias: spec.bias ?? true,
            generator: &context.generator)
    }
}
