import CNNCore

// Legend (this file): N = batch size, C = channels, H, W = input size, OH, OW = output size,
// K = kernel size (K×K), S = stride, PAD = padding.

/// Average pooling, as `torch.nn.AvgPool2d(kernel_size, stride, padding)` with PyTorch's defaults
/// `count_include_pad=True`, floor mode: padded positions count as zeros in the divisor.
public final class AvgPool2D: Layer {
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int

    private let output = Tensor(shape: Shape(0))          // (N, C, OH, OW)
    private let inputGradient = Tensor(shape: Shape(0))   // (N, C, H, W)
    private var inputShape: Shape?

    /// - Parameters:
    ///   - stride: defaults to `kernelSize`, as in PyTorch.
    ///   - padding: at most `kernelSize / 2` (PyTorch's rule; `validate` checks it).
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        precondition(kernelSize >= 1 && (stride ?? 1) >= 1 && padding >= 0, "avg pool needs kernel ≥ 1, stride ≥ 1, padding ≥ 0")
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
    }

    public var summary: String { "avgpool \(kernelSize)×\(kernelSize) s\(stride)" + (padding > 0 ? " p\(padding)" : "") }

    public func outputShape(for input: Shape) -> Shape {
        Shape(input.batch, input.channels,
              slidingOutputSize(input: input.height, kernel: kernelSize, stride: stride, padding: padding),
              slidingOutputSize(input: input.width, kernel: kernelSize, stride: stride, padding: padding))
    }

    public func validate(_ input: Shape, mode: Mode) throws {
        guard input.rank == 4 else { throw LayerError("\(summary) needs input (N, C, H, W), got \(input)") }
        guard padding <= kernelSize / 2 else { throw LayerError("\(summary): padding must be at most half the kernel size (\(kernelSize / 2))") }
        guard input.height + 2 * padding >= kernelSize, input.width + 2 * padding >= kernelSize else { throw LayerError("\(summary): input \(input.height)×\(input.width) is smaller than the kernel") }
    }

    /// The window of output (oy, ox) clipped to the image, and PyTorch's divisor (the window
    /// clipped to the padded image).
    @inline(__always)
    private func window(_ o: Int, _ size: Int) -> (start: Int, end: Int, span: Int) {
        let start = o * stride - padding, end = min(start + kernelSize, size + padding)
        return (max(start, 0), min(end, size), end - start)
    }

    public func forward(_ input: Tensor, mode: Mode) -> Tensor {
        let s = input.shape
        precondition(s.rank == 4, "\(summary) needs input (N, C, H, W), got \(s)")
        let outShape = outputShape(for: s)
        output.resize(to: outShape)
        inputShape = s
        let H = s.height, W = s.width, OH = outShape.height, OW = outShape.width
        let x = input.data, y = output.data
        Parallel.forEachChunk(s.batch * s.channels) { _, planes in
            for plane in planes {
                let xPlane = x + plane * H * W, yPlane = y + plane * OH * OW
                for oy in 0..<OH {
                    let rows = window(oy, H)
                    for ox in 0..<OW {
                        let cols = window(ox, W)
                        var sum: Float = 0
                        for iy in rows.start..<rows.end {
                            for ix in cols.start..<cols.end { sum += xPlane[iy * W + ix] }
                        }
                        yPlane[oy * OW + ox] = sum / Float(rows.span * cols.span)
                    }
                }
            }
        }
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient else { return nil }
        guard let s = inputShape else { preconditionFailure("\(summary): backward without a forward") }
        precondition(outputGradient.shape == output.shape, "\(summary): output gradient \(outputGradient.shape), expected \(output.shape)")
        inputGradient.resize(to: s)
        let H = s.height, W = s.width, OH = output.shape.height, OW = output.shape.width
        let dy = outputGradient.data, dx = inputGradient.data
        Parallel.forEachChunk(s.batch * s.channels) { _, planes in
            for plane in planes {
                let dxPlane = dx + plane * H * W, dyPlane = dy + plane * OH * OW
                dxPlane.update(repeating: 0, count: H * W)
                for oy in 0..<OH {
                    let rows = window(oy, H)
                    for ox in 0..<OW {
                        let cols = window(ox, W)
                        let share = dyPlane[oy * OW + ox] / Float(rows.span * cols.span)
                        for iy in rows.start..<rows.end {
                            for ix in cols.start..<cols.end { dxPlane[iy * W + ix] += share }
                        }
                    }
                }
            }
        }
        return inputGradient
    }
}
