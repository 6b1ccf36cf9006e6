import CNNModels
import CNNNorms

/// One small use of every keyword of `LayerTable`, for the tests that go through the whole table.
/// A new layer kind needs a line here (`testEveryKindHasAnExample` says so).
enum LayerExamples {
    static let lines: [String: String] = [
        "conv": "conv outputChannels=4 kernelSize=3 stride=2 padding=1",
        "linear": "flatten\nlinear outputFeatures=5 bias=yes",
        "norm": "norm groups=2",
        "relu": "relu",
        "sigmoid": "sigmoid",
        "tanh": "tanh",
        "silu": "silu",
        "leakyrelu": "leakyrelu slope=0.2",
        "maxpool": "maxpool kernelSize=3 stride=2 padding=1",
        "avgpool": "avgpool kernelSize=2 padding=1",
        "globalavgpool": "globalavgpool",
        "dropout": "dropout probability=0.25",
        "flatten": "flatten",
        "residual":
            "residual\nconv outputChannels=2 kernelSize=3 padding=1\nnorm\nrelu\nshortcut\nconv outputChannels=2 kernelSize=1\nend"
    ]

    /// A whole model around the example of `keyword`: 2×6×6 images, 3 classes.
    static func modelText(_ keyword: String) -> String {
        "input channels=2 size=6\n\(lines[keyword] ?? keyword)\nnorm\nflatten\nlinear outputFeatures=classes\n"
    }

    /// The example of `keyword` resolved with `norm` in its norm slots.
    static func resolve(_ keyword: String, norm: NormKind) throws -> ResolvedModel {
        try ModelResolver.resolve(
            ModelFile(text: modelText(keyword), path: "\(keyword).cfg"), name: keyword, classCount: 3,
            norm: NormConfiguration(kind: norm, groupCount: 2))
    }

    /// Every (keyword, norm) pair worth building: each keyword once with batch norm, the norm slot
    /// with every norm, and the norms whose shapes differ on features and on a 1×1 map.
    static var cases: [(keyword: String, norm: NormKind)] {
        LayerTable.keywords.map { ($0, NormKind.batch) }
            + NormKind.allCases.filter { $0 != .batch }.map { ("norm", $0) }
            + [("linear", .layer), ("globalavgpool", .layer), ("globalavgpool", .group)]
    }
}
