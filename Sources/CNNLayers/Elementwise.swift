import CNNCore

/// Runs `body` over `0..<count` in parallel chunks large enough to be worth a thread
/// (elementwise layers are memory-bound; small tensors stay on the calling thread).
@inline(__always)
func forEachElementChunk(_ count: Int, _ body: (Range<Int>) -> Void) {
    Parallel.forEachChunk(count, minimumPerChunk: 1 << 15) { _, range in body(range) }
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
