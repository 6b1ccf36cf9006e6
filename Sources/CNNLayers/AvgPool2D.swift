import CNNCore

// Legend (this file): N = batch size, C = channels, H, W = input size, OH, OW = output size,
// K = kernel size (K×K), S = stride, PAD = padding.

/// Average pooling, as `torch.nn.AvgPool2d(kernel_size, stride, padding)` with PyTorch's defaults
/// `count_include_pad=True`, floor mode: padded positions count as zeros in the divisor.
public final class AvgPool2D: WindowPooling {
    public let geometry: PoolWindow

    private let output = Tensor(shape: Shape(0))  // (N, C, OH, OW)
    private let inputGradient = Tensor(shape: Shape(0))  // (N, C, H, W)
    private var inputShape: Shape?

    /// See `PoolWindow` for the meaning and defaults of the arguments.
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        geometry = PoolWindow(kernelSize: kernelSize, stride: stride, padding: padding)
    }

    public var summary: String { geometry.summary("avgpool") }

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
        let s = sizeInputGradient(inputGradient, of: outputGradient, output: output, inputShape: inputShape, summary)
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
