import CNNCore
import CNNLayers
import TestSupport
import XCTest

final class AvgPool2DTests: XCTestCase {
    func testGradients() {
        for (kernel, stride, padding, shape) in [
            (2, nil, 0, Shape(2, 3, 6, 5)), (3, 2, 1, Shape(1, 2, 7, 6)),
            (3, 1, 1, Shape(2, 1, 5, 5))
        ] as [(Int, Int?, Int, Shape)] {
            let pool = AvgPool2D(kernelSize: kernel, stride: stride, padding: padding)
            GradientCheck.check(
                pool, input: GradientCheck.randomTensor(shape, seed: UInt64(kernel)), samplesPerTensor: 60)
        }
    }

    /// PyTorch nn.AvgPool2d (count_include_pad=True): numbers from scripts/golden/make_layers.py.
    func testMatchesPyTorch() throws {
        try LayerGolden.check(AvgPool2D(kernelSize: 2), "avgpool_k2_s2")
        try LayerGolden.check(AvgPool2D(kernelSize: 3, stride: 2, padding: 1), "avgpool_k3_s2_p1")
    }

    /// Padding counts in the divisor: a corner 3×3 window over a 2×2 image of ones averages 4/9.
    func testPaddingCountsAsZero() {
        let pool = AvgPool2D(kernelSize: 3, stride: 1, padding: 1)
        let output = pool.forward(Tensor(shape: Shape(1, 1, 2, 2), values: [1, 1, 1, 1]), mode: .inference)
        assertClose(output.array, [4 / 9, 4 / 9, 4 / 9, 4 / 9], "count_include_pad")
    }
}
