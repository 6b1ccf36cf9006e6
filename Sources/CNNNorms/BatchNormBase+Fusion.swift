import CNNCore

/// In inference BatchNorm is a per-channel affine map of the running statistics,
/// y = (x − mean)·γ/√(var + ε) + β, which a convolution in front of it can absorb (`Fusion`).
extension BatchNormBase: ChannelAffineInInference {
    public func inferenceScaleShift(channels: Int) -> (scale: [Float], shift: [Float])? {
        guard channels == channelCount else { return nil }
        let mean = runningMeanTensor.data, variance = runningVarianceTensor.data
        let gamma = weight.value.data, beta = bias.value.data
        var scale = [Float](repeating: 0, count: channels), shift = scale
        for c in 0..<channels {
            // As the unfused forward: the coefficients in Double, rounded once to Float.
            let a = Double(gamma[c]) / (Double(variance[c]) + Double(epsilon)).squareRoot()
            scale[c] = Float(a)
            shift[c] = Float(Double(beta[c]) - Double(mean[c]) * a)
        }
        return (scale, shift)
    }
}
