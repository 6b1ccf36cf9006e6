/// A dense Float tensor in row-major (NCHW) order, owning one heap buffer.
///
/// Tensors are classes: layers keep their output, cache and gradient tensors and reuse them from
/// step to step. `resize(to:)` changes the shape and reallocates only when the new shape needs more
/// room than the buffer has, so a training loop allocates in its first step and then never again.
public final class Tensor: @unchecked Sendable {
    public private(set) var shape: Shape
    /// Start of the elements. Valid until the next `resize(to:)` that grows the tensor.
    public private(set) var data: UnsafeMutablePointer<Float>
    public private(set) var capacity: Int

    /// A zero-filled tensor.
    public init(shape: Shape) {
        self.shape = shape
        self.capacity = max(shape.count, 1)
        self.data = TensorMemory.allocate(capacity)
        data.initialize(repeating: 0, count: capacity)
    }

    public convenience init(_ dimensions: Int...) { self.init(shape: Shape(dimensions)) }

    /// A tensor holding `values` (count must match the shape).
    public convenience init(shape: Shape, values: [Float]) {
        precondition(values.count == shape.count, "\(values.count) values for shape \(shape)")
        self.init(shape: shape)
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { TensorMemory.deallocate(data, count: capacity) }

    public var count: Int { shape.count }
    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: data, count: count) }

    /// Changes the shape. Contents are unspecified afterwards when the shape changed
    /// (they are kept only when the element count stays the same).
    public func resize(to newShape: Shape) {
        if newShape == shape { return }
        if newShape.count > capacity {
            TensorMemory.deallocate(data, count: capacity)
            capacity = newShape.count
            data = TensorMemory.allocate(capacity)
            data.initialize(repeating: 0, count: capacity)
        }
        shape = newShape
    }

    /// Same elements, another shape of equal count (no copy).
    public func reshape(to newShape: Shape) {
        precondition(newShape.count == shape.count, "cannot reshape \(shape) to \(newShape)")
        shape = newShape
    }

    public func fill(_ value: Float) { data.update(repeating: value, count: count) }
    public func zero() { fill(0) }

    /// Copies `other`'s shape and elements into this tensor.
    public func copy(from other: Tensor) {
        resize(to: other.shape)
        data.update(from: other.data, count: count)
    }

    public subscript(index: Int) -> Float {
        get { data[index] }
        set { data[index] = newValue }
    }

    /// The elements as an array (for tests, checkpoints and reports; not for hot loops).
    public var array: [Float] { Array(buffer) }

    public func copyValues(_ values: [Float]) {
        precondition(values.count == count, "\(values.count) values for shape \(shape)")
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: values.count) }
    }
}
