/// One layer of a model with every size resolved: what the model file said, plus the shapes
/// inferred layer to layer and the norm chosen on the command line.
///
/// It is stored as JSON in checkpoints (`__metadata__["model"]`) and in run directories, and read
/// by the PyTorch scripts in scripts/ to build the equivalent `nn.Sequential`, so the field names
/// are part of the checkpoint format. Fields a layer type does not use are absent.
public struct LayerSpec: Codable, Equatable, Sendable {
    /// conv, linear, norm, relu, sigmoid, tanh, leakyrelu, maxpool, avgpool, globalavgpool,
    /// dropout, flatten, residual.
    public var type: String
    /// The model-file line it came from (for messages).
    public var line: Int?
    /// Input and output shape of one sample: (C, H, W) or (features).
    public var inputShape: [Int]
    public var outputShape: [Int]

    // conv: inChannels → outChannels, kernel, stride, padding, bias. linear: inChannels → outChannels, bias.
    public var inChannels: Int?
    public var outChannels: Int?
    public var kernel: Int?
    public var stride: Int?
    public var padding: Int?
    public var bias: Bool?
    // norm
    public var norm: String?
    public var groups: Int?
    // dropout
    public var probability: Float?
    // leakyrelu
    public var slope: Float?
    // residual
    public var body: [LayerSpec]?
    public var shortcut: [LayerSpec]?

    public init(type: String, line: Int?, inputShape: [Int], outputShape: [Int]) {
        self.type = type
        self.line = line
        self.inputShape = inputShape
        self.outputShape = outputShape
    }
}

/// A model with all shapes resolved: ready to build, to describe, to store in a checkpoint.
public struct ResolvedModel: Codable, Equatable, Sendable {
    /// The model's name (file name without extension).
    public var name: String
    /// (C, H, W) of one input image.
    public var inputShape: [Int]
    public var classCount: Int
    public var layers: [LayerSpec]
    /// The norm that filled the model's norm slots, and its configuration.
    public var norm: String
    public var normPosition: String
    public var description: String
}
