import CNNCore
import CNNLayers

extension ModelBuilder {
    /// `--init-gain G`: multiplies the weight of every conv and linear layer of `layer` (nested
    /// ones too) by `gain`, after PyTorch's default initialization. Biases and norm parameters are
    /// left as they are, so G scales each layer's initial output, not its offset. The PyTorch twin
    /// (`scripts/pytorch/torch_train.py`) does the same with `weight.mul_(gain)`.
    public static func scaleWeights(_ layer: Layer, gain: Float) {
        let weight = (layer as? Conv2D)?.weight ?? (layer as? Linear)?.weight
        if let weight {
            let values = weight.value.data
            for index in 0..<weight.count { values[index] *= gain }
        }
        for child in layer.children { scaleWeights(child.layer, gain: gain) }
    }
}
