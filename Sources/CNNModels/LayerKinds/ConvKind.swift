import CNNCore
import CNNLayers

/// `conv outputChannels=F kernelSize=K [stride=1] [padding=0] [bias=yes|no]`: a K×K convolution
/// over the input's C channels, `nn.Conv2d(C, F, K, stride, padding, bias=bias)`.
struct ConvKind: LayerKind {
    let keyword = "conv"
    let keys = [
        ArgumentKey("outputChannels", formerly: ["filters"], example: "32"),
        ArgumentKey("kernelSize", formerly: ["size"]),
        ArgumentKey("stride", example: "2"),
        ArgumentKey("padding", formerly: ["pad"], example: "1"),
        ArgumentKey("bias", example: "no")
    ]
    var hasBias: Bool { true }

    func read(_ arguments: inout ArgumentReader, into spec: LayerSpec, resolver: inout ModelResolver.Context) throws
        -> LayerSpec?
    {
        var spec = spec
        spec.inputChannels = spec.inputShape.first
        spec.outputChannels = try arguments.int("outputChannels", min: 1)
        spec.kernelSize = try arguments.int("kernelSize", min: 1)
        spec.stride = try arguments.optionalInt("stride", min: 1) ?? 1
        spec.padding = try arguments.optionalInt("padding", min: 0) ?? 0
        spec.bias = try arguments.optionalBool("bias")
        return spec
    }

    func outputShape(of spec: LayerSpec, input: [Int], walker: inout ShapeWalker) throws -> [Int] {
        try LayerProblem.requireImage(keyword, input)
        let inputChannels = try LayerProblem.require(spec.inputChannels, "inputChannels")
        let outputChannels = try LayerProblem.require(spec.outputChannels, "outputChannels")
        let kernelSize = try LayerProblem.require(spec.kernelSize, "kernelSize")
        let stride = try LayerProblem.require(spec.stride, "stride")
        let padding = try LayerProblem.require(spec.padding, "padding", minimum: 0)
        guard inputChannels == input[0] else {
            throw LayerProblem("takes \(inputChannels) channels but receives \(input[0])")
        }
        let height = slidingOutputSize(input: input[1], kernel: kernelSize, stride: stride, padding: padding)
        let width = slidingOutputSize(input: input[2], kernel: kernelSize, stride: stride, padding: padding)
        guard height >= 1, width >= 1 else {
            throw LayerProblem(
                "a \(kernelSize)×\(kernelSize) kernel with padding=\(padding) does not fit the \(input[1])×\(input[2]) input"
            )
        }
        try walker.addParameters(outputChannels, inputChannels, kernelSize, kernelSize)
        if spec.bias ?? true { try walker.addParameters(outputChannels) }
        return [outputChannels, height, width]
    }

    func build(_ spec: LayerSpec, context: inout BuildContext) throws -> Layer {
        Conv2D(
            inputChannels: spec.inputChannels!, outputChannels: spec.outputChannels!, kernelSize: spec.kernelSize!,
            stride: spec.stride!, padding: spec.padding!, bias: spec.bias ?? true, generator: &context.generator)
    }
}
