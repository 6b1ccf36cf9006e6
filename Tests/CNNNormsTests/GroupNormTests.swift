import CNNCore
import CNNNorms
import TestSupport
import XCTest

/// GroupNorm against PyTorch (scripts/golden/make_norms.py), finite differences, its G = 1 and
/// G = C equivalences, precision and determinism.
final class GroupNormTests: XCTestCase {
    func testGoldenTrainingForwardAndGradients() throws {
        for (caseName, groups, channels) in [("group", 2, 4), ("group1", 1, 4), ("group6", 6, 6), ("group_rank2", 3, 6)]
        {
            let layer = GroupNorm(groupCount: groups, channelCount: channels)
            try NormTesting.checkGolden(layer, caseName: caseName)
        }
    }

    func testFiniteDifferences() {
        NormTesting.sweep([
            SweepCase(batch: 2, channels: 8, height: 5, width: 7, groups: 2),
            SweepCase(batch: 1, channels: 3, height: 5, width: 7, groups: 3),
            SweepCase(batch: 8, channels: 3, height: 5, width: 7, groups: 1),
            SweepCase(batch: 8, channels: 64, height: 1, width: 1, groups: 2, samples: 12),
            SweepCase(batch: 8, channels: 8, height: 1, width: 1, groups: 1),
            SweepCase(batch: 2, channels: 1, height: 28, width: 28, groups: 1, samples: 12),
            SweepCase(batch: 1, channels: 64, height: 28, width: 28, groups: 64, samples: 6),
            SweepCase(batch: 2, channels: 64, height: 5, width: 7, groups: 2, samples: 12)
        ]) { c in GroupNorm(groupCount: c.groups, channelCount: c.channels) }
    }

    func testMatchesReferenceKernel() {
        let groupCounts = [6: 3, 32: 8, 12: 4]  // by channel count
        NormTesting.checkMatchesReference(
            [Shape(3, 6, 4, 9), Shape(2, 32, 28, 28), Shape(5, 12)],
            make: { GroupNorm(groupCount: groupCounts[$0.channels]!, channelCount: $0.channels) },
            statistics: { .group(groupCounts[$0.channels]!) })
    }

    /// With γ = 1, β = 0 on both: G = 1 is LayerNorm, G = C is InstanceNorm.
    func testOneGroupIsLayerNormAndOneChannelPerGroupIsInstanceNorm() {
        let shape = Shape(3, 6, 5, 7)
        let x = GradientCheck.randomTensor(shape, seed: 31, low: -2, high: 4)
        let layerNorm = LayerNorm(channelCount: 6, height: 5, width: 7)
        assertClose(
            GroupNorm(groupCount: 1, channelCount: 6).forward(x, mode: .training).array,
            layerNorm.forward(x, mode: .training).array, relative: 1e-6, absolute: 1e-6, "G = 1 vs LayerNorm")
        assertClose(
            GroupNorm(groupCount: 6, channelCount: 6).forward(x, mode: .training).array,
            InstanceNorm(channelCount: 6).forward(x, mode: .training).array,
            relative: 1e-6, absolute: 1e-6, "G = C vs InstanceNorm")
    }

    func testLargeOffsetKeepsPrecision() throws {
        let golden = try NormTesting.golden()
        let x = try golden.entry("group_offset", "x").tensor
        let layer = GroupNorm(groupCount: 2, channelCount: 4)
        let y = layer.forward(x, mode: .training).array
        // Against PyTorch in float64 from the same float32 inputs.
        assertClose(
            y, try NormTesting.values(golden, "group_offset", "y"), relative: 1e-5, absolute: 1e-5, "x = 1e4 + U(−1, 1)"
        )
        // Against the offset-free input (exact float32 differences x − 1e4).
        let exact = Tensor(shape: x.shape, values: x.array.map { $0 - 1e4 })
        let free = GroupNorm(groupCount: 2, channelCount: 4)
        XCTAssertLessThan(NormTesting.maxDifference(y, free.forward(exact, mode: .training).array), 2e-5)
        let dy = GradientCheck.randomTensor(x.shape, seed: 32)
        XCTAssertLessThan(
            NormTesting.maxDifference(
                layer.backward(dy, needsInputGradient: true)!.array,
                free.backward(dy, needsInputGradient: true)!.array), 2e-5)
        assertClose(layer.weight.gradient.array, free.weight.gradient.array, relative: 1e-4, absolute: 1e-4, "dγ")
    }

    /// The first element far from the mean forces the recentring pass.
    func testOutlierFirstElementKeepsPrecision() {
        let shape = Shape(2, 4, 8, 8)
        let x = GradientCheck.randomTensor(shape, seed: 33)
        x[0] = 3e3
        let layer = GroupNorm(groupCount: 2, channelCount: 4)
        let reference = NormReference(shape: shape, statistics: .group(2))
        assertClose(
            layer.forward(x, mode: .training).array,
            reference.forward(x.array, gamma: layer.weight.value.array, beta: layer.bias.value.array),
            relative: 1e-4, absolute: 2e-5, "outlier")
    }

    func testConstantInputGivesFiniteOutputAndGradients() {
        for groups in [1, 2, 4] {
            NormTesting.checkConstantInputIsFinite(
                GroupNorm(groupCount: groups, channelCount: 4), shape: Shape(2, 4, 3, 3), value: -3.5)
        }
    }

    /// dγ, dβ are reduced from per-chunk partials in a fixed order: repeated runs agree bit for bit,
    /// and gradients accumulate (+=) across backward calls.
    func testGradientsAreDeterministicAndAccumulate() {
        let shape = Shape(8, 16, 7, 7)
        let layer = GroupNorm(groupCount: 4, channelCount: 16)
        let x = GradientCheck.randomTensor(shape, seed: 41), dy = GradientCheck.randomTensor(shape, seed: 42)
        _ = layer.forward(x, mode: .training)
        _ = layer.backward(dy, needsInputGradient: false)
        let first = layer.weight.gradient.array
        layer.zeroGradients()
        _ = layer.forward(x, mode: .training)
        _ = layer.backward(dy, needsInputGradient: true)
        XCTAssertEqual(layer.weight.gradient.array, first)
        _ = layer.backward(dy, needsInputGradient: true)
        assertClose(layer.weight.gradient.array, first.map { 2 * $0 }, relative: 1e-6, absolute: 1e-6, "accumulates")
    }

    func testParameterCountAndNames() {
        let layer = GroupNorm(groupCount: 8, channelCount: 64)
        XCTAssertEqual(layer.parameterCount, 128)
        XCTAssertEqual(layer.namedParameters().map(\.name), ["weight", "bias"])
        XCTAssertTrue(layer.buffers.isEmpty)
        XCTAssertThrowsError(try layer.validate(Shape(2, 32, 4, 4), mode: .training))
    }
}
