import CNNCore
import CNNNorms
import TestSupport
import XCTest

/// BatchNorm against PyTorch (scripts/golden/make_norms.py), finite differences and edge cases.
final class BatchNormTests: XCTestCase {
    func testGoldenTrainingForwardAndGradients() throws {
        let layer = BatchNorm(channelCount: 4)
        try NormTesting.checkGolden(layer, caseName: "batch")
        XCTAssertEqual(layer.batchesTrackedCount, 1)
    }

    func testGoldenRankTwoInput() throws {
        try NormTesting.checkGolden(BatchNorm(channelCount: 7), caseName: "batch_rank2")
    }

    func testGoldenRunningStatisticsAfterThreeStepsAndInference() throws {
        let golden = try NormTesting.golden()
        let name = "batch_running"
        let layer = BatchNorm(channelCount: 3)
        layer.weight.value.copyValues(try NormTesting.values(golden, name, "weight"))
        layer.bias.value.copyValues(try NormTesting.values(golden, name, "bias"))
        for step in 0..<3 { _ = layer.forward(try golden.entry(name, "x\(step)").tensor, mode: .training) }
        assertClose(layer.runningMeanTensor.array, try NormTesting.values(golden, name, "running_mean"), "running_mean")
        assertClose(
            layer.runningVarianceTensor.array, try NormTesting.values(golden, name, "running_var"), "running_var")
        XCTAssertEqual(layer.batchesTrackedCount, 3)
        let y = layer.forward(try golden.entry(name, "x_inference").tensor, mode: .inference)
        assertClose(y.array, try NormTesting.values(golden, name, "y_inference"), "inference output")
        XCTAssertEqual(layer.batchesTrackedCount, 3, "inference must not count a batch")
    }

    func testFiniteDifferences() {
        NormTesting.sweep([
            SweepCase(batch: 2, channels: 3, height: 5, width: 7),
            SweepCase(batch: 8, channels: 1, height: 1, width: 1),
            SweepCase(batch: 1, channels: 8, height: 5, width: 7),
            SweepCase(batch: 8, channels: 64, height: 1, width: 1, samples: 12),
            SweepCase(batch: 2, channels: 8, height: 28, width: 28, samples: 8),
            SweepCase(batch: 1, channels: 64, height: 28, width: 28, samples: 6)
        ]) { c in BatchNorm(channelCount: c.channels) }
    }

    /// After an inference forward, backward is the gradient of the frozen affine map.
    func testFiniteDifferencesInInferenceMode() {
        let layer = BatchNorm(channelCount: 3)
        _ = layer.forward(GradientCheck.randomTensor(Shape(4, 3, 5, 7), seed: 1, low: -2, high: 3), mode: .training)
        NormTesting.randomizeAffine(layer.weight, layer.bias, seed: 2)
        GradientCheck.check(layer, input: GradientCheck.randomTensor(Shape(2, 3, 5, 7), seed: 3), mode: .inference)
    }

    func testMatchesReferenceKernel() {
        NormTesting.checkMatchesReference(
            [Shape(3, 5, 4, 9), Shape(2, 16, 28, 28), Shape(9, 6)], make: { BatchNorm(channelCount: $0.channels) },
            statistics: { _ in .batch })
    }

    func testBatchOfOneWithSpatialMapTrains() throws {
        let layer = BatchNorm(channelCount: 3)
        let shape = Shape(1, 3, 5, 7)
        XCTAssertNoThrow(try layer.validate(shape, mode: .training))
        let y = layer.forward(GradientCheck.randomTensor(shape, seed: 4), mode: .training)
        NormTesting.assertFinite(y.array, "output")
        GradientCheck.check(layer, input: GradientCheck.randomTensor(shape, seed: 5))
    }

    func testBatchOfOneAtOneByOneThrowsInTrainingButRunsInInference() throws {
        let layer = BatchNorm(channelCount: 4)
        XCTAssertThrowsError(try layer.validate(Shape(1, 4, 1, 1), mode: .training)) { error in
            XCTAssertEqual(
                "\(error)",
                "BatchNorm needs more than one value per channel in training (batch 1 at 1×1); "
                    + "use a batch size ≥ 2 or another --norm")
        }
        XCTAssertThrowsError(try layer.validate(Shape(1, 4), mode: .training))
        XCTAssertNoThrow(try layer.validate(Shape(1, 4, 1, 1), mode: .inference))
        XCTAssertThrowsError(try layer.validate(Shape(2, 5, 3, 3), mode: .training), "channel mismatch")
        // Inference with the initial running statistics (0, 1): y ≈ x·γ/√(1 + ε) + β.
        let x = Tensor(shape: Shape(1, 4, 1, 1), values: [1, -2, 3, 0.5])
        let y = layer.forward(x, mode: .inference)
        assertClose(y.array, x.array.map { $0 / Float(1 + 1e-5).squareRoot() }, "inference at batch 1")
    }

    func testConstantInputGivesFiniteOutputAndGradients() {
        let layer = BatchNorm(channelCount: 2)
        let x = Tensor(shape: Shape(4, 2, 3, 3))
        x.fill(7.25)
        let y = layer.forward(x, mode: .training)
        NormTesting.assertFinite(y.array, "output")
        assertClose(y.array, [Float](repeating: 0, count: y.count), "constant input normalizes to β = 0")
        let dx = layer.backward(GradientCheck.randomTensor(x.shape, seed: 6), needsInputGradient: true)!
        NormTesting.assertFinite(dx.array, "dx")
        NormTesting.assertFinite(layer.weight.gradient.array + layer.bias.gradient.array, "dγ, dβ")
    }

    func testLargeOffsetMatchesOffsetFreeResult() {
        let shape = Shape(4, 3, 6, 7)
        let noise = GradientCheck.randomTensor(shape, seed: 8)
        let shifted = Tensor(shape: shape, values: noise.array.map { 1e4 + $0 })
        // The exact difference of the float32 inputs (Sterbenz), so both see the same deviations.
        let exact = Tensor(shape: shape, values: shifted.array.map { $0 - 1e4 })
        let a = BatchNorm(channelCount: 3), b = BatchNorm(channelCount: 3)
        let ya = a.forward(shifted, mode: .training).array, yb = b.forward(exact, mode: .training).array
        XCTAssertLessThan(NormTesting.maxDifference(ya, yb), 2e-5)
        let dy = GradientCheck.randomTensor(shape, seed: 9)
        let dxa = a.backward(dy, needsInputGradient: true)!.array, dxb = b.backward(dy, needsInputGradient: true)!.array
        XCTAssertLessThan(NormTesting.maxDifference(dxa, dxb), 2e-5)
        assertClose(a.weight.gradient.array, b.weight.gradient.array, relative: 1e-4, absolute: 1e-4, "dγ")
        assertClose(
            a.runningMeanTensor.array, b.runningMeanTensor.array.map { $0 + 1e3 }, relative: 1e-6, "running mean")
    }

    func testStateMatchesPyTorchNamesAndOrder() {
        let layer = BatchNorm(channelCount: 64)
        XCTAssertEqual(layer.namedParameters().map(\.name), ["weight", "bias"])
        XCTAssertEqual(layer.namedBuffers().map(\.name), ["running_mean", "running_var", "num_batches_tracked"])
        XCTAssertEqual(layer.parameterCount, 128)
        XCTAssertEqual(layer.weight.value.array, [Float](repeating: 1, count: 64))
        XCTAssertEqual(layer.runningVarianceTensor.array, [Float](repeating: 1, count: 64))
        XCTAssertEqual(layer.batchesTrackedCount, 0)
    }

    func testRepeatsBitForBit() {
        let shape = Shape(6, 5, 9, 9)
        let x = GradientCheck.randomTensor(shape, seed: 51), dy = GradientCheck.randomTensor(shape, seed: 52)
        var results: [[Float]] = []
        for _ in 0..<2 {
            let layer = BatchNorm(channelCount: 5)
            let y = layer.forward(x, mode: .training).array, dx = layer.backward(dy, needsInputGradient: true)!.array
            results.append(
                y + dx + layer.weight.gradient.array + layer.bias.gradient.array + layer.runningVarianceTensor.array)
        }
        XCTAssertEqual(results[0], results[1])
    }

    /// x[0, c, 0, 0] far from the channel mean forces the recentring pass (sums around x₀ would lose
    /// digits in Σ(x − x₀)²/M − (Σ(x − x₀)/M)²).
    func testOutlierFirstElementKeepsPrecision() {
        let shape = Shape(3, 2, 8, 8)
        let x = GradientCheck.randomTensor(shape, seed: 61)
        x[0] = 3e3
        let layer = BatchNorm(channelCount: 2)
        let reference = NormReference(shape: shape, statistics: .batch)
        assertClose(
            layer.forward(x, mode: .training).array,
            reference.forward(x.array, gamma: layer.weight.value.array, beta: layer.bias.value.array),
            relative: 1e-4, absolute: 2e-5, "outlier")
        let dy = GradientCheck.randomTensor(shape, seed: 62)
        assertClose(
            layer.backward(dy, needsInputGradient: true)!.array,
            reference.backward(dy.array, x: x.array, gamma: layer.weight.value.array).input,
            relative: 1e-4, absolute: 1e-5, "outlier dx")
    }
}
