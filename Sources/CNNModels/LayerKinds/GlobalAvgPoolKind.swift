import CNNCore
import CNNLayers

/// `globalavgpool`: the mean over H×W, C×H×W → C×1×1, `nn.AdaptiveAvgPool2d(1)`.
struct GlobalAvgPoolKind: LayerKind {
    let keyword = "globalavgpool"

    func outputShape(of spec: LayerSpec, input: [Int], walker: inout ShapeWalker) throws -> [Int] {
        try LayerProblem.requireImage(keyword, input)
        return [input[0], 1, 1]
    }

    func build(_ spec: LayerSpec, context: inout BuildContext) throws -> Layer { GlobalAvgPool2D() }
}
