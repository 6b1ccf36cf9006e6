import CNNCore
import CNNLayers

/// `residual` … [`shortcut` …] `end`: body(x) + shortcut(x), with the identity as shortcut when
/// none is given; the one kind that spans several lines.
struct ResidualKind: LayerKind {
    let keyword = "residual"

    func read(_ arguments: inout ArgumentReader, into spec: LayerSpec, resolver: inout ModelResolver.Context) throws
        -> LayerSpec?
    {
        var spec = spec
        let body = try resolver.resolveBlock(from: spec.inputShape, until: ["shortcut", "end"])
        if resolver.take("shortcut") {
            spec.shortcut = try resolver.resolveBlock(from: spec.inputShape, until: ["end"])
        }
        guard resolver.take("end") else { throw arguments.error("this `residual` block has no `end`") }
        guard !body.isEmpty else { throw arguments.error("this `residual` block has no layers") }
        spec.body = body
        return spec
    }

    func outputShape(of spec: LayerSpec, input: [Int], walker: inout ShapeWalker) throws -> [Int] {
        try LayerProblem.requireImage(keyword, input)
        guard let body = spec.body, !body.isEmpty else { throw LayerProblem("has no body") }
        let bodyShape = try walker.walk(body, from: input)
        let shortcutShape = try spec.shortcut.map { try walker.walk($0, from: input) } ?? input
        guard bodyShape == shortcutShape else {
            let what = spec.shortcut == nil ? "the identity shortcut keeps" : "the shortcut gives"
            func text(_ shape: [Int]) -> String { shape.map(String.init).joined(separator: "×") }
            throw LayerProblem(
                "the block's body gives \(text(bodyShape)) but \(what) \(text(shortcutShape)); add a `shortcut` (e.g. conv outputChannels=\(bodyShape.first ?? 1) kernelSize=1 stride=2) or change the body"
            )
        }
        return bodyShape
    }

    func build(_ spec: LayerSpec, context: inout BuildContext) throws -> Layer {
        let body = Sequential(try ModelBuilder.buildLayers(spec.body ?? [], context: &context))
        let shortcut = try spec.shortcut.map { Sequential(try ModelBuilder.buildLayers($0, context: &context)) }
        return Residual(body: body, shortcut: shortcut)
    }
}
