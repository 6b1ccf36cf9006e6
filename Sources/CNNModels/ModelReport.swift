import CNNCore
import CNNLayers
import CNNNorms

/// Per-layer description of a built model: output shape, parameters (and which are norm
/// parameters), forward FLOPs per image. What `cnntrain info` prints.
public struct ModelReport: Sendable {
    public struct Row: Sendable {
        public var index: String
        public var summary: String
        public var outputShape: [Int]
        public var parameters: Int
        public var isNorm: Bool
        public var flops: Int
    }

    public var model: String
    public var norm: String
    public var rows: [Row] = []
    public var totalParameters: Int { rows.reduce(0) { $0 + $1.parameters } }
    public var normParameters: Int { rows.filter(\.isNorm).reduce(0) { $0 + $1.parameters } }
    public var totalFLOPs: Int { rows.reduce(0) { $0 + $1.flops } }

    public init(resolved: ResolvedModel, model: Sequential) {
        self.model = resolved.name
        self.norm = resolved.norm
        append(specs: resolved.layers, layers: model.layers, prefix: "")
    }

    mutating func append(specs: [LayerSpec], layers: [Layer], prefix: String) {
        for (index, (spec, layer)) in zip(specs, layers).enumerated() {
            let name = prefix + String(index)
            if let residual = layer as? Residual, let body = spec.body {
                rows.append(
                    Row(
                        index: name, summary: "residual block", outputShape: spec.outputShape, parameters: 0,
                        isNorm: false, flops: 0))
                append(specs: body, layers: residual.body.layers, prefix: name + ".body.")
                if let shortcut = spec.shortcut, let shortcutLayer = residual.shortcut {
                    append(specs: shortcut, layers: shortcutLayer.layers, prefix: name + ".shortcut.")
                }
                continue
            }
            let ownParameters = layer.parameters.reduce(0) { $0 + $1.count }
            rows.append(
                Row(
                    index: name, summary: layer.summary, outputShape: spec.outputShape, parameters: ownParameters,
                    isNorm: layer.isNormLayer, flops: layer.forwardFLOPs(for: Shape([1] + spec.inputShape))))
        }
    }

    /// A Markdown table of the rows and the totals.
    public var markdown: String {
        var lines = ["| # | layer | output | parameters | FLOPs |", "| --- | --- | --- | ---: | ---: |"]
        for row in rows {
            lines.append(
                "| \(row.index) | \(row.summary) | \(row.outputShape.map(String.init).joined(separator: "×")) | \(grouped(row.parameters))\(row.isNorm ? " (norm)" : "") | \(grouped(row.flops)) |"
            )
        }
        lines.append(
            "| | **total** | | **\(grouped(totalParameters))** (norms \(grouped(normParameters))) | **\(grouped(totalFLOPs))** |"
        )
        return lines.joined(separator: "\n")
    }
}

/// 468010 → "468,010".
public func grouped(_ value: Int) -> String {
    let digits = String(abs(value))
    var result = ""
    for (offset, character) in digits.enumerated() {
        if offset > 0 && (digits.count - offset) % 3 == 0 { result += "," }
        result.append(character)
    }
    return value < 0 ? "-" + result : result
}
