import CNNCore

// Legend (this file): N = batch size, C = channels, H, W = size.

/// A residual block: y = body(x) + shortcut(x), with the identity when there is no shortcut
/// (He et al. 2016, "Deep Residual Learning for Image Recognition").
///
/// Children "body" and "shortcut" (when present) match a PyTorch module with attributes `body`
/// and `shortcut`, so state_dict names are "body.0.weight", "shortcut.0.weight". An activation
/// after the sum is a separate layer in the enclosing Sequential.
public final class Residual: Layer {
    public let body: Sequential
    public let shortcut: Sequential?

    private let output = Tensor(shape: Shape(0))  // (N, C, H, W)
    private let inputGradient = Tensor(shape: Shape(0))  // input's shape

    public init(body: Sequential, shortcut: Sequential? = nil) {
        self.body = body
        self.shortcut = shortcut
    }

    public var summary: String { shortcut == nil ? "residual (identity)" : "residual (projection)" }

    public var children: [(name: String, layer: Layer)] {
        [("body", body as Layer)] + (shortcut.map { [("shortcut", $0 as Layer)] } ?? [])
    }

    public func outputShape(for input: Shape) -> Shape { body.outputShape(for: input) }

    public func forwardFLOPs(for input: Shape) -> Int {
        body.forwardFLOPs(for: input) + (shortcut?.forwardFLOPs(for: input) ?? 0)
    }

    /// Validates both branches and checks that their output shapes agree.
    public func validate(_ input: Shape, mode: Mode) throws {
        try body.validate(input, mode: mode)
        try shortcut?.validate(input, mode: mode)
        let bodyShape = body.outputShape(for: input)
        let shortcutShape = shortcut?.outputShape(for: input) ?? input
        guard bodyShape == shortcutShape else {
            throw LayerError(
                "residual: body gives \(bodyShape) but the \(shortcut == nil ? "identity shortcut" : "shortcut") gives \(shortcutShape); add a projection shortcut (1×1 conv with the body's stride and channels)"
            )
        }
    }

    public func forward(_ input: Tensor, mode: Mode) -> Tensor {
        let main = body.profiledForward(input, mode: mode)
        let side = shortcut?.profiledForward(input, mode: mode) ?? input
        precondition(main.shape == side.shape, "residual: body gives \(main.shape), shortcut gives \(side.shape)")
        output.resize(to: main.shape)
        let a = main.data, b = side.data, y = output.data
        forEachElementChunk(output.count) { range in
            for i in range { y[i] = a[i] + b[i] }
        }
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        let throughBody = body.profiledBackward(outputGradient, needsInputGradient: needsInputGradient)
        let throughShortcut: Tensor?
        if let shortcut {
            throughShortcut = shortcut.profiledBackward(outputGradient, needsInputGradient: needsInputGradient)
        } else {
            throughShortcut = outputGradient
        }
        guard needsInputGradient, let throughBody, let throughShortcut else { return nil }
        inputGradient.resize(to: throughBody.shape)
        let a = throughBody.data, b = throughShortcut.data, dx = inputGradient.data
        forEachElementChunk(inputGradient.count) { range in
            for i in range { dx[i] = a[i] + b[i] }
        }
        return inputGradient
    }
}
