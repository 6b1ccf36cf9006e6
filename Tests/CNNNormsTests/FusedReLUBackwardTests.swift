import CNNCore
import CNNLayers
import CNNNorms
import TestSupport
import XCTest

/// Every norm with the ReLU after it fused in training (`ReLUBackwardFusing`): the norm applies the
/// ReLU's backward as it loads the gradient, and the result is bit-identical to the ReLU's own
/// backward pass followed by the norm's — input gradient, dγ and dβ — for per-channel and
/// per-element affines, LayerNorm's two-samples-per-sweep path (even batch) and its one-sample
/// path (odd batch), and spatial sizes with a SIMD tail.
final class FusedReLUBackwardTests: XCTestCase {
    private func norms(channels C: Int, height H: Int, width W: Int) -> [(String, () -> Layer)] {
        [
            ("batch", { BatchNorm(channelCount: C) }),
            ("syncbatch", { SyncBatchNorm(channelCount: C) }),
            ("layer", { LayerNorm(channelCount: C, height: H, width: W) }),
            ("instance", { InstanceNorm(channelCount: C) }),
            ("group", { GroupNorm(groupCount: 2, channelCount: C) })
        ]
    }

    /// norm → ReLU → 2×2 max pool: the pool takes the ReLU's backward (`PrecedingReLUFusing`), in
    /// its vectorized rows (OW ≥ 8) and scalar ones, with an odd height and width.
    func testNormReLUPoolBackwardIsBitIdentical() {
        for (H, W) in [(17, 20), (9, 11)] {
            for (name, make) in norms(channels: 4, height: H, width: W) {
                let label = "\(name) \(H)×\(W)"
                let fused = Sequential([make(), ReLU(), MaxPool2D(kernelSize: 2)])
                let unfused = Sequential([make(), ReLU(), MaxPool2D(kernelSize: 2)])
                fused.fuses = true
                unfused.fuses = false
                let x = GradientCheck.randomTensor(Shape(3, 4, H, W), seed: 11)
                let y = fused.forward(x, mode: .training)
                XCTAssertEqual(y.array, unfused.forward(x, mode: .training).array, "\(label): output")
                let dy = GradientCheck.randomTensor(y.shape, seed: 12)
                let dxFused = fused.backward(dy, needsInputGradient: true)!.array
                XCTAssertEqual(
                    dxFused, unfused.backward(dy, needsInputGradient: true)!.array, "\(label): input gradient")
            }
        }
    }

    func testNormThenReLUBackwardIsBitIdentical() {
        for (N, C, H, W) in [(3, 4, 5, 7), (4, 6, 8, 8), (1, 2, 3, 3)] {
            for (name, make) in norms(channels: C, height: H, width: W) {
                let label = "\(name) N\(N) C\(C) \(H)×\(W)"
                let fused = Sequential([make(), ReLU()]), unfused = Sequential([make(), ReLU()])
                fused.fuses = true
                unfused.fuses = false
                // Non-trivial γ and β, the same in both.
                for (a, b) in zip(fused.namedParameters(), unfused.namedParameters()) {
                    let values = GradientCheck.randomTensor(a.parameter.value.shape, seed: 3).array.map { 1 + 0.5 * $0 }
                    a.parameter.value.copyValues(values)
                    b.parameter.value.copyValues(values)
                }
                let x = GradientCheck.randomTensor(Shape(N, C, H, W), seed: UInt64(N * 100 + C))
                let y = fused.forward(x, mode: .training).array
                XCTAssertEqual(y, unfused.forward(x, mode: .training).array, "\(label): output")
                XCTAssertTrue(y.contains { $0 == 0 } && y.contains { $0 > 0 }, "\(label): the ReLU must act")
                let dy = GradientCheck.randomTensor(Shape(N, C, H, W), seed: 77)
                let dxFused = fused.backward(dy, needsInputGradient: true)!.array
                let dxUnfused = unfused.backward(dy, needsInputGradient: true)!.array
                XCTAssertEqual(dxFused, dxUnfused, "\(label): input gradient")
                for (a, b) in zip(fused.namedParameters(), unfused.namedParameters()) {
                    XCTAssertEqual(
                        a.parameter.gradient.array, b.parameter.gradient.array, "\(label): \(a.name) gradient")
                }
            }
        }
    }
}
