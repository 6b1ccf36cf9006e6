import CNNCore

// Legend (this file): N = batch size, C = channels, H, W = input size.

/// Mean over each (H, W) plane: (N, C, H, W) → (N, C, 1, 1), as `torch.nn.AdaptiveAvgPool2d(1)`.
public final class GlobalAvgPool2D: Layer {
    private let output = Tensor(shape: Shape(0))  // (N, C, 1, 1)
    private let inputGradient = Tensor(shape: Shape(0))  // (N, C, H, W)
    private var inputShape: Shape?

    public init() {}

    public var workKind: WorkKind { .pooling }
    public var summary: String { "global-avgpool" }
    public func outputShape(for input: Shape) -> Shape { Shape(input.batch, input.channels, 1, 1) }

    public func validate(_ input: Shape, mode: Mode) throws {
        guard input.rank == 4 else { throw LayerError("\(summary) needs input (N, C, H, W), got \(input)") }
    }

    public func forward(_ input: Tensor, mode: Mode) -> Tensor {
        let s = input.shape
        precondition(s.rank == 4, "\(summary) needs input (N, C, H, W), got \(s)")
        output.resize(to: outputShape(for: s))
        inputShape = s
        let HW = s.height * s.width, x = input.data, y = output.data
        Parallel.forEachChunk(s.batch * s.channels, minimumPerChunk: 64) { _, planes in
            for plane in planes {
                y[plane] = sum(x + plane * HW, count: HW) / Float(HW)
            }
        }
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient else { return nil }
        let s = sizeInputGradient(inputGradient, of: outputGradient, output: output, inputShape: inputShape, summary)
        let HW = s.height * s.width, dy = outputGradient.data, dx = inputGradient.data
        Parallel.forEachChunk(s.batch * s.channels, minimumPerChunk: 64) { _, planes in
            for plane in planes {
                (dx + plane * HW).update(repeating: dy[plane] / Float(HW), count: HW)
            }
        }
        return inputGradient
    }
}
