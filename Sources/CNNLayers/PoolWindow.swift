import CNNCore

/// The K×K window of a pooling layer with PyTorch's rules: stride defaults to K, padding is at
/// most K/2, floor mode (a window must start inside the padded input). Shared by MaxPool2D and
/// AvgPool2D, which differ only in what they compute over the window.
public struct PoolWindow: Hashable, Sendable {
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int

    /// - Parameters:
    ///   - stride: defaults to `kernelSize`, as in PyTorch.
    ///   - padding: at most `kernelSize / 2` (PyTorch's rule; `validate` checks it).
    public init(kernelSize: Int, stride: Int?, padding: Int) {
        precondition(
            kernelSize >= 1 && (stride ?? 1) >= 1 && padding >= 0,
            "a pooling window needs kernel ≥ 1, stride ≥ 1, padding ≥ 0")
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
    }

    /// "maxpool 2×2 s2" (+ " p1" when padded).
    public func summary(_ name: String) -> String {
        "\(name) \(kernelSize)×\(kernelSize) s\(stride)" + (padding > 0 ? " p\(padding)" : "")
    }

    /// (N, C, OH, OW) for an (N, C, H, W) input.
    public func outputShape(for input: Shape) -> Shape {
        Shape(
            input.batch, input.channels,
            slidingOutputSize(input: input.height, kernel: kernelSize, stride: stride, padding: padding),
            slidingOutputSize(input: input.width, kernel: kernelSize, stride: stride, padding: padding))
    }

    /// Throws when the input is not (N, C, H, W), the padding breaks PyTorch's rule, or the
    /// padded input is smaller than the window; `summary` names the layer in the message.
    public func validate(_ input: Shape, summary: String) throws {
        guard input.rank == 4 else { throw LayerError("\(summary) needs input (N, C, H, W), got \(input)") }
        guard padding <= kernelSize / 2 else {
            throw LayerError("\(summary): padding must be at most half the kernel size (\(kernelSize / 2))")
        }
        let output = outputShape(for: input)
        guard output.height >= 1, output.width >= 1 else {
            throw LayerError("\(summary): input \(input.height)×\(input.width) is smaller than the kernel")
        }
    }
}

/// A pooling layer over a `PoolWindow` (MaxPool2D, AvgPool2D): the window's sizes, output shape
/// and checks come from `geometry`.
public protocol WindowPooling: Layer {
    var geometry: PoolWindow { get }
}

extension WindowPooling {
    public var kernelSize: Int { geometry.kernelSize }
    public var stride: Int { geometry.stride }
    public var padding: Int { geometry.padding }
    public var workKind: WorkKind { .pooling }
    public func outputShape(for input: Shape) -> Shape { geometry.outputShape(for: input) }
    public func validate(_ input: Shape, mode: Mode) throws { try geometry.validate(input, summary: summary) }
}
