import CNNCore

/// One keyword of the model-file language (`conv`, `relu`, `residual`, …) and all that CNNModels
/// knows about it: the keys its line takes, how they fill a `LayerSpec`, its shape and parameter
/// rules, and the layer it builds.
///
/// Resolving a model file, checking a model read from a checkpoint, and building layers all go
/// through the same kind (`LayerTable`), so a layer type is added in one place. The arithmetic of
/// a layer stays in its CNNLayers or CNNNorms type; sliding windows use `slidingOutputSize`, norm
/// slots `NormSlot`.
protocol LayerKind: Sendable {
    /// The model-file keyword, which is also the `type` of its `LayerSpec`.
    var keyword: String { get }
    /// The keys its model-file line takes, in the order messages list them.
    var keys: [ArgumentKey] { get }
    /// An activation: `--norm-position after` moves a norm slot behind it.
    var isActivation: Bool { get }
    /// A conv or linear layer, whose bias a directly following norm replaces.
    var hasBias: Bool { get }

    /// Fills `spec` (type, line and input shape set) from a model-file line; nil removes the
    /// line from the model (a norm slot under `--norm none`). Shapes are left to `outputShape`.
    func read(_ arguments: inout ArgumentReader, into spec: LayerSpec, resolver: inout ModelResolver.Context) throws
        -> LayerSpec?

    /// The output shape for one sample of shape `input`, after checking every field `build`
    /// trusts; adds the layer's parameters to `walker`.
    /// - Throws: `LayerProblem` (what is wrong, without the place), or an error of a nested layer.
    func outputShape(of spec: LayerSpec, input: [Int], walker: inout ShapeWalker) throws -> [Int]

    /// The engine's layer, initialized as PyTorch initializes it; `spec` has been checked.
    func build(_ spec: LayerSpec, context: inout BuildContext) throws -> Layer
}

extension LayerKind {
    var keys: [ArgumentKey] { [] }
    var isActivation: Bool { false }
    var hasBias: Bool { false }

    /// Kinds without arguments read nothing.
    func read(_ arguments: inout ArgumentReader, into spec: LayerSpec, resolver: inout ModelResolver.Context) throws
        -> LayerSpec?
    {
        spec
    }
}

/// What is wrong with one layer, without where it is: the resolver adds the model file and line,
/// checkpoint validation the layer's type and line.
struct LayerProblem: Error {
    let message: String
    init(_ message: String) { self.message = message }

    /// The field's value when it is present and in minimum…maximum.
    static func require(
        _ value: Int?, _ field: String, minimum: Int = 1,
        maximum: Int = ResolvedModel.maximumDimension
    ) throws -> Int {
        guard let value else { throw LayerProblem("has no \(field)") }
        guard (minimum...maximum).contains(value) else {
            throw LayerProblem("\(field) \(value) is outside \(minimum)…\(maximum)")
        }
        return value
    }

    /// Throws unless `shape` is one image (C, H, W).
    static func requireImage(_ keyword: String, _ shape: [Int]) throws {
        guard shape.count == 3 else {
            throw LayerProblem(
                "'\(keyword)' needs an image input (C×H×W) but gets \(shape.map(String.init).joined(separator: "×")) features; put it before `flatten`"
            )
        }
    }
}
