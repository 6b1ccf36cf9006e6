import CNNCore
import CNNTraining
import TestSupport
import XCTest

/// `--clip-grad-norm` against torch.nn.utils.clip_grad_norm_ (golden values from
/// scripts/golden/make_optim.py, Tests/Fixtures/golden/clip.json).
final class GradientClippingTests: XCTestCase {
    func clipped(_ caseName: String, maxNorm: Float) throws {
        let golden = try GoldenFile("clip")
        let optim = try GoldenFile("optim")
        let parameters = try ["weight", "bias"].map { name -> Parameter in
            let gradient = try optim.entry("inputs", "grad1.\(name)").tensor
            let parameter = Parameter(name: name, shape: gradient.shape)
            parameter.gradient.copy(from: gradient)
            return parameter
        }
        let norm = GradientClipping.clip(parameters, maxNorm: maxNorm)
        let expectedNorm = Float(try golden.entry(caseName, "total_norm").values[0])
        XCTAssertEqual(norm, expectedNorm, accuracy: 1e-5 * expectedNorm)
        var largest: Float = 0
        for parameter in parameters {
            let expected = try golden.entry(caseName, "clipped.\(parameter.name)").values
            for (index, value) in expected.enumerated() {
                largest = max(largest, abs(parameter.gradient.data[index] - Float(value)))
            }
        }
        print("\(caseName): largest difference to PyTorch \(largest)")
        XCTAssertLessThan(largest, 1e-6)
    }

    func testClipsToTheLargestNormAsPyTorch() throws {
        try clipped("clip_below", maxNorm: 1)
    }

    func testLeavesGradientsBelowTheLargestNormAlone() throws {
        try clipped("clip_above", maxNorm: 100)
    }
}
