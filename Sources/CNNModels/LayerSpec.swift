/// One layer of a model with every size resolved: what the model file said, plus the shapes
/// inferred layer to layer and the norm chosen on the command line.
///
/// It is stored as JSON in checkpoints (`__metadata__["model"]`) and in run directories, and read
/// by the PyTorch scripts in scripts/ to build the equivalent `nn.Sequential`, so the field names
/// are part of the checkpoint format. Fields a layer type does not use are absent. The names are
/// those of the model file's keys and of the Swift initializers (`Conv2D(inputChannels:
/// outputChannels:kernelSize:stride:padding:bias:)`); checkpoints written before they were
/// (`inChannels`, `outChannels`, `kernel`) still decode.
public struct LayerSpec: Codable, Equatable, Sendable {
    /// A keyword of `LayerTable`: conv, linear, norm, relu, …, residual.
    public var type: String
    /// The model-file line it came from (for messages).
    public var line: Int?
    /// Input and output shape of one sample: (C, H, W) or (features).
    public var inputShape: [Int]
    public var outputShape: [Int]

    // conv: inputChannels → outputChannels through a kernelSize × kernelSize kernel.
    public var inputChannels: Int?
    public var outputChannels: Int?
    // conv, maxpool, avgpool
    public var kernelSize: Int?
    public var stride: Int?
    public var padding: Int?
    // linear: inputFeatures → outputFeatures.
    public var inputFeatures: Int?
    public var outputFeatures: Int?
    // conv, linear
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

extension LayerSpec {
    enum CodingKeys: String, CodingKey {
        case type, line, inputShape, outputShape, inputChannels, outputChannels, kernelSize, stride, padding,
            inputFeatures, outputFeatures, bias, norm, groups, probability, slope, body, shortcut
    }

    /// The names of checkpoints written before the layer table (commit 0886f9d and earlier): conv
    /// and linear shared `inChannels`, `outChannels`; conv and the pools said `kernel`.
    enum FormerCodingKeys: String, CodingKey {
        case inChannels, outChannels, kernel
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decode(String.self, forKey: .type)
        line = try container.decodeIfPresent(Int.self, forKey: .line)
        inputShape = try container.decode([Int].self, forKey: .inputShape)
        outputShape = try container.decode([Int].self, forKey: .outputShape)
        inputChannels = try container.decodeIfPresent(Int.self, forKey: .inputChannels)
        outputChannels = try container.decodeIfPresent(Int.self, forKey: .outputChannels)
        kernelSize = try container.decodeIfPresent(Int.self, forKey: .kernelSize)
        stride = try container.decodeIfPresent(Int.self, forKey: .stride)
        padding = try container.decodeIfPresent(Int.self, forKey: .padding)
        inputFeatures = try container.decodeIfPresent(Int.self, forKey: .inputFeatures)
        outputFeatures = try container.decodeIfPresent(Int.self, forKey: .outputFeatures)
        bias = try container.decodeIfPresent(Bool.self, forKey: .bias)
        norm = try container.decodeIfPresent(String.self, forKey: .norm)
        groups = try container.decodeIfPresent(Int.self, forKey: .groups)
        probability = try container.decodeIfPresent(Float.self, forKey: .probability)
        slope = try container.decodeIfPresent(Float.self, forKey: .slope)
        body = try container.decodeIfPresent([LayerSpec].self, forKey: .body)
        shortcut = try container.decodeIfPresent([LayerSpec].self, forKey: .shortcut)

        let former = try decoder.container(keyedBy: FormerCodingKeys.self)
        let inChannels = try former.decodeIfPresent(Int.self, forKey: .inChannels)
        let outChannels = try former.decodeIfPresent(Int.self, forKey: .outChannels)
        switch type {
        case "conv":
            inputChannels = inputChannels ?? inChannels
            outputChannels = outputChannels ?? outChannels
        case "linear":
            inputFeatures = inputFeatures ?? inChannels
            outputFeatures = outputFeatures ?? outChannels
        default:
            break  // a norm's former inChannels repeated its input shape
        }
        kernelSize = try kernelSize ?? former.decodeIfPresent(Int.self, forKey: .kernel)
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
