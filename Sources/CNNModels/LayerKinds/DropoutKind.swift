import CNNCore
import CNNLayers

/// `dropout [probability=0.5]`: inverted dropout in training, identity in inference, `nn.Dropout(p)`.
struct DropoutKind: LayerKind {
    let keyword = "dropout"
    let keys = [ArgumentKey("probability", formerly: ["p"], example: "0.5")]

    func read(_ arguments: inout ArgumentReader, into spec: LayerSpec, resolver: inout ModelResolver.Context) throws
        -> LayerSpec?
    {
        var spec = spec
        spec.probability = try arguments.optionalFloat("probability") ?? 0.5
        return spec
    }

    func outputShape(of spec: LayerSpec, input: [Int], walker: inout ShapeWalker) throws -> [Int] {
        guard let probability = spec.probability, probability >= 0, probability < 1 else {
            throw LayerProblem("probability must be in [0, 1)" + (spec.probability.map { ", not \($0)" } ?? ""))
        }
        return input
    }

    /// Each dropout layer draws its masks from its own stream, derived from the model seed.
    func build(_ spec: LayerSpec, context: inout BuildContext) throws -> Layer {
        context.dropoutIndex += 1
        return Dropout(probability: spec.probability!, seed: context.generator.next() &+ context.dropoutIndex)
    }
}
