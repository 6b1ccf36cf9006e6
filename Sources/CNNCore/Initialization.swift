/// PyTorch's default initializations, so that the same recipe starts from the same distribution.
public enum Initialization {
    /// `nn.Conv2d` / `nn.Linear` weights: `kaiming_uniform_(a = √5)`, which works out to
    /// U(−1/√fanIn, 1/√fanIn) where fanIn = inputChannels·kernelHeight·kernelWidth (or in-features).
    public static func kaimingUniform(_ tensor: Tensor, fanIn: Int, generator: inout SeededGenerator) {
        uniform(tensor, bound: 1 / Float(fanIn).squareRoot(), generator: &generator)
    }

    /// `nn.Conv2d` / `nn.Linear` bias: U(−1/√fanIn, 1/√fanIn).
    public static func bias(_ tensor: Tensor, fanIn: Int, generator: inout SeededGenerator) {
        uniform(tensor, bound: fanIn > 0 ? 1 / Float(fanIn).squareRoot() : 0, generator: &generator)
    }

    /// The weight and optional bias of an `nn.Conv2d` or `nn.Linear` (state_dict names "weight" and
    /// "bias"), drawn in PyTorch's order, weight first; the bias has one value per output, the
    /// weight's first dimension.
    public static func weightAndBias(
        weightShape: Shape, fanIn: Int, bias: Bool, generator: inout SeededGenerator
    ) -> (weight: Parameter, bias: Parameter?) {
        let weight = Parameter(name: "weight", shape: weightShape)
        kaimingUniform(weight.value, fanIn: fanIn, generator: &generator)
        guard bias else { return (weight, nil) }
        let bias = Parameter(name: "bias", shape: Shape(weightShape[0]))
        Self.bias(bias.value, fanIn: fanIn, generator: &generator)
        return (weight, bias)
    }

    public static func uniform(_ tensor: Tensor, bound: Float, generator: inout SeededGenerator) {
        for i in 0..<tensor.count { tensor[i] = generator.uniform(-bound, bound) }
    }
}
