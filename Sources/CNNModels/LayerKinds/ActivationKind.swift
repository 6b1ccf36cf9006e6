import CNNCore
import CNNLayers

/// An activation without arguments (`relu`, `sigmoid`, `tanh`, `silu`): any shape in, the same out.
struct ActivationKind: LayerKind {
    let keyword: String
    /// A new layer of this activation.
    let make: @Sendable () -> Layer
    var isActivation: Bool { true }

    init(_ keyword: String, _ make: @escaping @Sendable () -> Layer) {
        self.keyword = keyword
        self.make = make
    }

    func outputShape(of spec: LayerSpec, input: [Int], walker: inout ShapeWalker) throws -> [Int] { input }

    func build(_ spec: LayerSpec, context: inout BuildContext) throws -> Layer { make() }
}

/// `leakyrelu [slope=0.01]`: `nn.LeakyReLU(slope)`.
struct LeakyReLUKind: LayerKind {
    let keyword = "leakyrelu"
    let keys = [ArgumentKey("slope", example: "0.01")]
    var isActivation: Bool { true }

    func read(_ arguments: inout ArgumentReader, into spec: LayerSpec, resolver: inout ModelResolver.Context) throws
        -> LayerSpec?
    {
        var spec = spec
        spec.slope = try arguments.optionalFloat("slope") ?? 0.01
        return spec
    }

    func outputShape(of spec: LayerSpec, input: [Int], walker: inout ShapeWalker) throws -> [Int] {
        guard (spec.slope ?? 0.01).isFinite else { throw LayerProblem("slope is not a number") }
        return input
    }

    func build(_ spec: LayerSpec, context: inout BuildContext) throws -> Layer { LeakyReLU(slope: spec.slope ?? 0.01) }
}
