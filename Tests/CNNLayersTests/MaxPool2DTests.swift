import CNNCore
import CNNLayers
import TestSupport
import XCTest

final class MaxPool2DTests: XCTestCase {
    /// Inputs with distinct, well-separated values, so no window has a tie within the FD step.
    func testGradients() {
        for (kernel, stride, padding, shape) in [(2, nil, 0, Shape(2, 3, 6, 5)), (3, 2, 1, Shape(1, 2, 7, 6)),
                                                 (3, 1, 1, Shape(2, 1, 5, 5)), (2, 1, 0, Shape(1, 2, 3, 4))] as [(Int, Int?, Int, Shape)] {
            let pool = MaxPool2D(kernelSize: kernel, stride: stride, padding: padding)
            GradientCheck.check(pool, input: kinkFreeTensor(shape, seed: UInt64(kernel * 10 + padding)), step: 1e-2, samplesPerTensor: 80)
        }
    }

    /// PyTorch nn.MaxPool2d (padding acts as −∞): numbers from scripts/golden/make_layers.py.
    func testMatchesPyTorch() throws {
        try LayerGolden.check(MaxPool2D(kernelSize: 2), "maxpool_k2_s2")
        try LayerGolden.check(MaxPool2D(kernelSize: 3, stride: 2, padding: 1), "maxpool_k3_s2_p1")
    }

    /// An all-negative image with padding: the padding is never the maximum.
    func testPaddingIsNegativeInfinity() {
        let pool = MaxPool2D(kernelSize: 3, stride: 1, padding: 1)
        let input = Tensor(shape: Shape(1, 1, 2, 2), values: [-4, -3, -2, -1])
        XCTAssertEqual(pool.forward(input, mode: .training).array, [-1, -1, -1, -1])
        let gradient = pool.backward(Tensor(shape: Shape(1, 1, 2, 2), values: [1, 1, 1, 1]), needsInputGradient: true)!
        XCTAssertEqual(gradient.array, [0, 0, 0, 4])
    }

    func testShapesAndValidation() throws {
        let pool = MaxPool2D(kernelSize: 2)
        XCTAssertEqual(pool.stride, 2)
        XCTAssertEqual(pool.outputShape(for: Shape(4, 8, 7, 7)), Shape(4, 8, 3, 3))
        XCTAssertThrowsError(try MaxPool2D(kernelSize: 2, padding: 2).validate(Shape(1, 1, 8, 8), mode: .training))
        XCTAssertThrowsError(try pool.validate(Shape(1, 1, 1, 1), mode: .training))
        try pool.validate(Shape(1, 1, 2, 2), mode: .training)
    }
}
