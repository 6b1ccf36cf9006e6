import CNNCore
import CNNLayers
import CNNNorms

/// Builds the engine's layers from a resolved model, initialised as PyTorch initialises them.
///
/// The result is a `Sequential` whose indices and parameter names are those of the equivalent
/// PyTorch `nn.Sequential` (`scripts/pytorch/torch_model.py` builds that one from the same JSON), so
/// checkpoints load there with `load_state_dict(strict=True)`.
public enum ModelBuilder {
    public static func build(_ model: ResolvedModel, seed: UInt64) throws -> Sequential {
        var context = BuildContext(generator: SeededGenerator(seed: seed))
        return Sequential(try buildLayers(model.layers, context: &context))
    }

    /// Builds each layer with its kind from `LayerTable`, in order (the order decides which
    /// random numbers each layer's initialization draws).
    static func buildLayers(_ specs: [LayerSpec], context: inout BuildContext) throws -> [Layer] {
        try specs.map { spec -> Layer in
            guard let kind = LayerTable.kind(spec.type) else {
                throw LayerError("unknown layer type '\(spec.type)' in a resolved model")
            }
            return try kind.build(spec, context: &context)
        }
    }
}

/// What building a model carries from layer to layer.
struct BuildContext {
    /// Draws every layer's initial weights, in model order.
    var generator: SeededGenerator
    /// Dropout layers built so far: each gets its own mask stream.
    var dropoutIndex: UInt64 = 0
}
