import CNNCore
import CNNLayers

/// `maxpool kernelSize=K [stride=K] [padding=0]` and `avgpool …`: `nn.MaxPool2d`, `nn.AvgPool2d`.
/// The window's rules (stride defaults to K, padding at most K/2) are `PoolWindow`'s.
struct PoolKind: LayerKind {
    enum Reduction: Sendable { case maximum, average }

    let keyword: String
    let reduction: Reduction
    let keys = [
        ArgumentKey("kernelSize", formerly: ["size"], example: "2"),
        ArgumentKey("stride", example: "2"),
        ArgumentKey("padding", formerly: ["pad"], example: "1")
    ]

    func read(_ arguments: inout ArgumentReader, into spec: LayerSpec, resolver: inout ModelResolver.Context) throws
        -> LayerSpec?
    {
        var spec = spec
        spec.kernelSize = try arguments.int("kernelSize", min: 1)
        spec.stride = try arguments.optionalInt("stride", min: 1) ?? spec.kernelSize
        spec.padding = try arguments.optionalInt("padding", min: 0) ?? 0
        return spec
    }

    func outputShape(of spec: LayerSpec, input: [Int], walker: inout ShapeWalker) throws -> [Int] {
        try LayerProblem.requireImage(keyword, input)
        let window = try self.window(spec)
        let sample = Shape([1] + input)
        do { try window.validate(sample, summary: window.summary(keyword)) } catch let error as LayerError {
            throw LayerProblem(error.description)
        }
        return Array(window.outputShape(for: sample).dimensions.dropFirst())
    }

    func build(_ spec: LayerSpec, context: inout BuildContext) throws -> Layer {
        let window = try self.window(spec)
        switch reduction {
        case .maximum: return MaxPool2D(kernelSize: window.kernelSize, stride: window.stride, padding: window.padding)
        case .average: return AvgPool2D(kernelSize: window.kernelSize, stride: window.stride, padding: window.padding)
        }
    }

    private func window(_ spec: LayerSpec) throws -> PoolWindow {
        let kernelSize = try LayerProblem.require(spec.kernelSize, "kernelSize")
        return PoolWindow(
            kernelSize: kernelSize, stride: try LayerProblem.require(spec.stride ?? kernelSize, "stride"),
            padding: try LayerProblem.require(spec.padding ?? 0, "padding", minimum: 0))
    }
}
