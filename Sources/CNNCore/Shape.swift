/// The dimensions of a tensor, outermost first. Image tensors are NCHW:
/// N = batch size, C = channels, H = height, W = width.
///
/// All shape arithmetic lives here so that layers do not repeat index formulas.
public struct Shape: Hashable, Sendable, CustomStringConvertible {
    public let dimensions: [Int]

    public init(_ dimensions: [Int]) {
        precondition(dimensions.allSatisfy { $0 >= 0 }, "negative dimension in \(dimensions)")
        self.dimensions = dimensions
    }

    public init(_ dimensions: Int...) { self.init(dimensions) }

    /// Number of elements.
    public var count: Int { dimensions.reduce(1, *) }
    public var rank: Int { dimensions.count }
    public subscript(axis: Int) -> Int { dimensions[axis] }

    // NCHW accessors; valid on rank-4 shapes (N, C, H, W) and rank-2 shapes (N, features) for N, C.
    public var batch: Int { dimensions[0] }
    public var channels: Int { dimensions[1] }
    public var height: Int { rank == 4 ? dimensions[2] : 1 }
    public var width: Int { rank == 4 ? dimensions[3] : 1 }
    /// Elements of one sample: C·H·W (or the feature count of a rank-2 shape).
    public var sampleCount: Int { rank == 0 ? 1 : dimensions.dropFirst().reduce(1, *) }
    /// The shape of one sample: (C, H, W).
    public var sampleShape: Shape { Shape(Array(dimensions.dropFirst())) }

    /// The same sample shape with another batch size.
    public func withBatch(_ batch: Int) -> Shape { Shape([batch] + dimensions.dropFirst()) }

    public var description: String { dimensions.map(String.init).joined(separator: "×") }
}

/// Output size of a sliding window (convolution or pooling) along one axis, as PyTorch computes it
/// (floor mode); 0 when the window does not fit the padded input. The one copy of this formula:
/// layers, im2col and the model files' shape inference all use it.
@inlinable
public func slidingOutputSize(input: Int, kernel: Int, stride: Int, padding: Int, dilation: Int = 1) -> Int {
    let span = input + 2 * padding - dilation * (kernel - 1) - 1
    return span < 0 ? 0 : span / stride + 1
}
