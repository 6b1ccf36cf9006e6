import CNNCore
import CNNLayers
import TestSupport
import XCTest

final class LinearTests: XCTestCase {
    func testGradients() {
        var generator = SeededGenerator(seed: 1)
        let linear = Linear(inputFeatures: 7, outputFeatures: 5, generator: &generator)
        GradientCheck.check(linear, input: GradientCheck.randomTensor(Shape(3, 7), seed: 2))
        let noBias = Linear(inputFeatures: 12, outputFeatures: 3, bias: false, generator: &generator)
        GradientCheck.check(noBias, input: GradientCheck.randomTensor(Shape(1, 3, 2, 2), seed: 3))
        // Enough samples and outputs that rows split over the threads (at least 4 samples, 8 outputs per chunk).
        let split = Linear(inputFeatures: 6, outputFeatures: 19, generator: &generator)
        GradientCheck.check(split, input: GradientCheck.randomTensor(Shape(11, 6), seed: 4))
        XCTAssertEqual(noBias.namedParameters().map(\.name), ["weight"])
    }

    /// PyTorch nn.Linear (and Flatten + Linear for a rank-4 input): numbers from
    /// scripts/golden/make_layers.py.
    func testMatchesPyTorch() throws {
        var generator = SeededGenerator(seed: 1)
        try LayerGolden.check(Linear(inputFeatures: 10, outputFeatures: 4, generator: &generator), "linear")
        try LayerGolden.check(Linear(inputFeatures: 12, outputFeatures: 3, generator: &generator), "linear_rank4")
    }

    func testShapesAndFLOPs() {
        var generator = SeededGenerator(seed: 1)
        let linear = Linear(inputFeatures: 12, outputFeatures: 3, generator: &generator)
        XCTAssertEqual(linear.outputShape(for: Shape(4, 3, 2, 2)), Shape(4, 3))
        XCTAssertEqual(linear.forwardFLOPs(for: Shape(4, 12)), 72)
        XCTAssertEqual(linear.weight.value.shape, Shape(3, 12))
        XCTAssertThrowsError(try linear.validate(Shape(4, 11), mode: .training))
        XCTAssertEqual(linear.summary, "linear 12→3")
    }
}
