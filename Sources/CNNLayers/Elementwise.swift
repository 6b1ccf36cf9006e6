import CNNCore

/// Runs `body` over `0..<count` in parallel chunks large enough to be worth a thread
/// (elementwise layers are memory-bound; small tensors stay on the calling thread).
@inline(__always)
func forEachElementChunk(_ count: Int, _ body: (Range<Int>) -> Void) {
    Parallel.forEachChunk(count, minimumPerChunk: 1 << 15) { _, range in body(range) }
}

/// Stops with a message when backward receives a gradient whose shape is not the shape of the
/// forward output it belongs to (a wiring bug, never user input).
@inline(__always)
func checkOutputGradient(_ outputGradient: Tensor, expected: Shape, layer summary: String) {
    precondition(
        outputGradient.shape == expected, "\(summary): output gradient \(outputGradient.shape), expected \(expected)")
}

/// The start of a backward that needs the input's shape (pools): checks the output gradient
/// against `output`, sizes `inputGradient` to the last forward's input shape and returns it.
@inline(__always)
func sizeInputGradient(
    _ inputGradient: Tensor, of outputGradient: Tensor, output: Tensor, inputShape: Shape?, _ summary: String
) -> Shape {
    guard let inputShape else { preconditionFailure("\(summary): backward without a forward") }
    checkOutputGradient(outputGradient, expected: output.shape, layer: summary)
    inputGradient.resize(to: inputShape)
    return inputShape
}

#if canImport(Glibc)
    import Glibc
    @inline(__always) func exponential(_ x: Float) -> Float { expf(x) }
    @inline(__always) func hyperbolicTangent(_ x: Float) -> Float { tanhf(x) }
    @inline(__always) func exponential(_ x: Double) -> Double { exp(x) }
    @inline(__always) func logarithm(_ x: Double) -> Double { log(x) }
#else
    import Foundation
    @inline(__always) func exponential(_ x: Float) -> Float { expf(x) }
    @inline(__always) func hyperbolicTangent(_ x: Float) -> Float { tanhf(x) }
    @inline(__always) func exponential(_ x: Double) -> Double { exp(x) }
    @inline(__always) func logarithm(_ x: Double) -> Double { log(x) }
#endif

/// Σ x[0..<count] with 16 independent lanes (a plain loop is one dependent add per element,
/// about 4× slower; this decides conv's bias gradient speed).
@inline(__always)
func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
    var lanes = SIMD16<Float>()
    var i = 0
    while i + 16 <= count {
        lanes += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
        i += 16
    }
    var total = lanes.sum()
    while i < count { total += x[i]; i += 1 }
    return total
}
