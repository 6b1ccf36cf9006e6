import CNNCore
import CNNLayers
import CNNNorms

/// Builds the engine's layers from a resolved model, initialised as PyTorch initialises them.
///
/// The result is a `Sequential` whose indices and parameter names are those of the equivalent
/// PyTorch `nn.Sequential` (`scripts/torch_model.py` builds that one from the same JSON), so
/// checkpoints load there with `load_state_dict(strict=True)`.
public enum ModelBuilder {
    public static func build(_ model: ResolvedModel, seed: UInt64) throws -> Sequential {
        var generator = SeededGenerator(seed: seed)
        var dropoutIndex: UInt64 = 0
        return Sequential(try buildLayers(model.layers, generator: &generator, dropoutIndex: &dropoutIndex))
    }

    static func buildLayers(_ specs: [LayerSpec], generator: inout SeededGenerator, dropoutIndex: inout UInt64) throws -> [Layer] {
        try specs.map { spec -> Layer in
            switch spec.type {
            case "conv":
                return Conv2D(inputChannels: spec.inChannels!, outputChannels: spec.outChannels!, kernelSize: spec.kernel!,
                              stride: spec.stride!, padding: spec.padding!, bias: spec.bias ?? true, generator: &generator)
            case "linear":
                return Linear(inputFeatures: spec.inChannels!, outputFeatures: spec.outChannels!, bias: spec.bias ?? true,
                              generator: &generator)
            case "norm":
                let shape = spec.inputShape
                guard let kind = NormKind(rawValue: spec.norm ?? ""),
                      let layer = try NormFactory.make(kind, channelCount: shape[0], height: shape.count == 3 ? shape[1] : 1,
                                                       width: shape.count == 3 ? shape[2] : 1, groupCount: spec.groups ?? 1,
                                                       layerName: "norm (line \(spec.line ?? 0))") else {
                    throw LayerError("norm layer without a kind at line \(spec.line ?? 0)")
                }
                return layer
            case "relu": return ReLU()
            case "sigmoid": return Sigmoid()
            case "tanh": return Tanh()
            case "leakyrelu": return LeakyReLU(slope: spec.slope ?? 0.01)
            case "maxpool": return MaxPool2D(kernelSize: spec.kernel!, stride: spec.stride, padding: spec.padding ?? 0)
            case "avgpool": return AvgPool2D(kernelSize: spec.kernel!, stride: spec.stride, padding: spec.padding ?? 0)
            case "globalavgpool": return GlobalAvgPool2D()
            case "flatten": return Flatten()
            case "dropout":
                // Each dropout layer gets its own stream, derived from the model seed.
                dropoutIndex += 1
                return Dropout(probability: spec.probability ?? 0.5, seed: generator.next() &+ dropoutIndex)
            case "residual":
                let body = Sequential(try buildLayers(spec.body ?? [], generator: &generator, dropoutIndex: &dropoutIndex))
                let shortcut = try spec.shortcut.map {
                    Sequential(try buildLayers($0, generator: &generator, dropoutIndex: &dropoutIndex))
                }
                return Residual(body: body, shortcut: shortcut)
            default:
                throw LayerError("unknown layer type '\(spec.type)' in a resolved model")
            }
        }
    }
}
