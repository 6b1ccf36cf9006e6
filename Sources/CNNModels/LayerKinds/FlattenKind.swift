import CNNCore
import CNNLayers

/// `flatten`: C×H×W → C·H·W features, `nn.Flatten`.
struct FlattenKind: LayerKind {
    let keyword = "flatten"

    func outputShape(of spec: LayerSpec, input: [Int], walker: inout ShapeWalker) throws -> [Int] {
        var count = 1
        for size in input {
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow, product <= ResolvedModel.maximumParameterCount else {
                throw LayerProblem("\(input) is too large to flatten")
            }
            count = product
        }
        return [count]
    }

    func build(_ spec: LayerSpec, context: inout BuildContext) throws -> Layer { Flatten() }
}
