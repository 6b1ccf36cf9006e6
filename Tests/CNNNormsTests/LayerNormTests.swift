import CNNCore
import CNNNorms
import TestSupport
import XCTest

/// LayerNorm (per-element γ, β over (C, H, W)) against PyTorch and finite differences.
final class LayerNormTests: XCTestCase {
    func testGoldenTrainingForwardAndGradients() throws {
        let layer = LayerNorm(channelCount: 4, height: 5, width: 6)
        try NormTesting.checkGolden(layer, weight: layer.weight, bias: layer.bias, caseName: "layer")
    }

    func testGoldenRankTwoInput() throws {
        let layer = LayerNorm(featureCount: 7)
        XCTAssertEqual(layer.weight.value.shape, Shape(7))
        try NormTesting.checkGolden(layer, weight: layer.weight, bias: layer.bias, caseName: "layer_rank2")
    }

    func testFiniteDifferences() {
        typealias Case = NormTesting.Case
        NormTesting.sweep([
            Case(batch: 1, channels: 3, height: 5, width: 7),
            Case(batch: 2, channels: 8, height: 1, width: 1),
            Case(batch: 8, channels: 1, height: 5, width: 7),
            Case(batch: 8, channels: 64, height: 1, width: 1, samples: 12),
            Case(batch: 2, channels: 1, height: 28, width: 28, samples: 12),
            Case(batch: 2, channels: 64, height: 28, width: 28, samples: 6)
        ]) { c in
            let layer = LayerNorm(channelCount: c.channels, height: c.height, width: c.width)
            return (layer, layer.weight, layer.bias)
        }
    }

    func testMatchesReferenceKernel() {
        for (index, shape) in [Shape(3, 5, 4, 9), Shape(4, 32, 14, 14)].enumerated() {
            let layer = LayerNorm(channelCount: shape.channels, height: shape.height, width: shape.width)
            NormTesting.randomizeAffine(layer.weight, layer.bias, seed: UInt64(index))
            let x = GradientCheck.randomTensor(shape, seed: UInt64(10 + index), low: -3, high: 5)
            let dy = GradientCheck.randomTensor(shape, seed: UInt64(20 + index))
            let reference = NormReference(shape: shape, statistics: .group(1), perElementAffine: true)
            assertClose(
                layer.forward(x, mode: .training).array,
                reference.forward(x.array, gamma: layer.weight.value.array, beta: layer.bias.value.array),
                relative: 1e-5, absolute: 1e-5, "y \(shape)")
            let dx = layer.backward(dy, needsInputGradient: true)!
            let expected = reference.backward(dy.array, x: x.array, gamma: layer.weight.value.array)
            assertClose(dx.array, expected.input, relative: 1e-4, absolute: 1e-5, "dx \(shape)")
            assertClose(layer.weight.gradient.array, expected.gamma, relative: 1e-4, absolute: 1e-5, "dγ \(shape)")
            assertClose(layer.bias.gradient.array, expected.beta, relative: 1e-4, absolute: 1e-5, "dβ \(shape)")
        }
    }

    func testConstantInputGivesFiniteOutputAndGradients() {
        let layer = LayerNorm(channelCount: 3, height: 4, width: 4)
        let x = Tensor(shape: Shape(2, 3, 4, 4))
        x.fill(1e4)
        NormTesting.assertFinite(layer.forward(x, mode: .training).array, "output")
        NormTesting.assertFinite(
            layer.backward(GradientCheck.randomTensor(x.shape, seed: 7), needsInputGradient: true)!.array, "dx")
        NormTesting.assertFinite(layer.weight.gradient.array, "dγ")
    }

    func testParameterCountIsPerElement() {
        let layer = LayerNorm(channelCount: 64, height: 14, width: 14)
        XCTAssertEqual(layer.parameterCount, 25_088)
        XCTAssertEqual(layer.weight.value.shape, Shape(64, 14, 14))
        XCTAssertEqual(layer.namedParameters().map(\.name), ["weight", "bias"])
        XCTAssertThrowsError(try layer.validate(Shape(2, 64, 7, 7), mode: .training))
        XCTAssertNoThrow(try layer.validate(Shape(2, 64, 14, 14), mode: .inference))
    }
}
