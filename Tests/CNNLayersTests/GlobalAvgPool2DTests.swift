import CNNCore
import CNNLayers
import TestSupport
import XCTest

final class GlobalAvgPool2DTests: XCTestCase {
    func testGradients() {
        GradientCheck.check(GlobalAvgPool2D(), input: GradientCheck.randomTensor(Shape(2, 3, 5, 7), seed: 1))
        GradientCheck.check(GlobalAvgPool2D(), input: GradientCheck.randomTensor(Shape(1, 4, 1, 1), seed: 2))
    }

    /// PyTorch nn.AdaptiveAvgPool2d(1): numbers from scripts/golden/make_layers.py.
    func testMatchesPyTorch() throws {
        try LayerGolden.check(GlobalAvgPool2D(), "global_avgpool")
    }

    func testShape() {
        XCTAssertEqual(GlobalAvgPool2D().outputShape(for: Shape(8, 64, 7, 7)), Shape(8, 64, 1, 1))
    }
}
