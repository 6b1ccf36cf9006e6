import CNNCore
import CNNNorms
import TestSupport
import XCTest

/// SyncBatchNorm on W in-process ranks (`ThreadWorld`) against PyTorch's BatchNorm2d on the
/// concatenated batch (scripts/golden/make_syncbatch.py), and against BatchNorm in one process.
final class SyncBatchNormTests: XCTestCase {
    struct RankResult {
        var y: [Float], dx: [Float], dweight: [Float], dbias: [Float], runningMean: [Float], runningVariance: [Float]
    }

    /// Splits golden case `name`'s batch by its `shares`, runs one training forward and backward per
    /// rank, and returns each rank's results.
    func runGoldenCase(_ name: String) throws -> (golden: GoldenFile, ranks: [RankResult]) {
        let golden = try GoldenFile("syncbatch")
        let x = try golden.entry(name, "x").tensor, dy = try golden.entry(name, "dy").tensor
        let weight = try golden.entry(name, "weight").values.map(Float.init)
        let bias = try golden.entry(name, "bias").values.map(Float.init)
        let shares = try golden.entry(name, "shares").values.map { Int($0) }
        let C = x.shape.channels, sample = x.shape.sampleCount
        let starts = shares.indices.map { shares[..<$0].reduce(0, +) }
        let world = ThreadWorld(size: shares.count)
        let ranks = world.run { communicator -> RankResult in
            let r = communicator.rank
            let layer = SyncBatchNorm(channelCount: C)
            layer.communicator = communicator
            layer.weight.value.copyValues(weight)
            layer.bias.value.copyValues(bias)
            let shape = Shape([shares[r]] + Array(x.shape.dimensions.dropFirst()))
            let range = (starts[r] * sample)..<((starts[r] + shares[r]) * sample)
            let xr = Tensor(shape: shape, values: Array(x.array[range]))
            let dyr = Tensor(shape: shape, values: Array(dy.array[range]))
            layer.zeroGradients()
            let y = layer.forward(xr, mode: .training).array
            let dx = layer.backward(dyr, needsInputGradient: true)!.array
            return RankResult(
                y: y, dx: dx, dweight: layer.weight.gradient.array, dbias: layer.bias.gradient.array,
                runningMean: layer.runningMeanTensor.array, runningVariance: layer.runningVarianceTensor.array)
        }
        return (golden, ranks)
    }

    func checkGoldenCase(_ name: String, relative: Float = 1e-4, absolute: Float = 1e-5) throws {
        let (golden, ranks) = try runGoldenCase(name)
        func expected(_ tensor: String) throws -> [Float] { try golden.entry(name, tensor).values.map(Float.init) }
        var report = "syncbatch \(name) on \(ranks.count) ranks, largest |ours − PyTorch|:"
        let y = ranks.flatMap(\.y), dx = ranks.flatMap(\.dx)
        // dγ, dβ: each rank holds its own share; the trainer's gradient all-reduce sums them.
        let dweight = ranks.dropFirst().reduce(ranks[0].dweight) { zip($0, $1.dweight).map { $0 + $1 } }
        let dbias = ranks.dropFirst().reduce(ranks[0].dbias) { zip($0, $1.dbias).map { $0 + $1 } }
        for (tensor, ours) in [
            ("y", y), ("dx", dx), ("dweight", dweight), ("dbias", dbias),
            ("running_mean", ranks[0].runningMean), ("running_var", ranks[0].runningVariance)
        ] {
            let reference = try expected(tensor)
            assertClose(ours, reference, relative: relative, absolute: absolute, "\(name) \(tensor)")
            report += " \(tensor) \(NormTesting.maxDifference(ours, reference))"
        }
        print(report)
        for (r, rank) in ranks.enumerated().dropFirst() {
            XCTAssertEqual(rank.runningMean, ranks[0].runningMean, "rank \(r)'s running mean differs from rank 0's")
            XCTAssertEqual(
                rank.runningVariance, ranks[0].runningVariance, "rank \(r)'s running variance differs from rank 0's")
        }
    }

    func testTwoRanksMatchBatchNormOnTheWholeBatch() throws { try checkGoldenCase("two_even") }

    func testFourRanksOfOneSampleEach() throws { try checkGoldenCase("four_one_each") }

    func testUnevenSharesFarFromZero() throws {
        // x ≈ 40 ± 0.25: the normalized output keeps ~1e-4 of relative precision in float32.
        try checkGoldenCase("three_uneven_offset", relative: 2e-4, absolute: 1e-4)
    }

    /// Plain BatchNorm on the same shares normalizes each rank's share alone ("ghost" batch norm):
    /// the golden values of the whole batch are then out of reach, which shows the test can fail.
    func testPlainBatchNormPerRankDiffers() throws {
        let golden = try GoldenFile("syncbatch")
        let name = "two_even"
        let x = try golden.entry(name, "x").tensor
        let expected = try golden.entry(name, "y").values.map(Float.init)
        let half = x.count / 2
        let layer = BatchNorm(channelCount: x.shape.channels)
        layer.weight.value.copyValues(try golden.entry(name, "weight").values.map(Float.init))
        layer.bias.value.copyValues(try golden.entry(name, "bias").values.map(Float.init))
        let first = Tensor(shape: Shape([3] + Array(x.shape.dimensions.dropFirst())), values: Array(x.array[..<half]))
        let y = layer.forward(first, mode: .training).array
        let difference = NormTesting.maxDifference(y, Array(expected[..<half]))
        print("plain batch norm on one rank's share vs the whole batch: largest |Δy| \(difference)")
        XCTAssertGreaterThan(difference, 1e-2)
    }

    /// In one process SyncBatchNorm is BatchNorm, bit for bit, over several steps.
    func testOneProcessIsBatchNormBitForBit() {
        let shape = Shape(5, 6, 7, 7)
        let sync = SyncBatchNorm(channelCount: 6), plain = BatchNorm(channelCount: 6)
        NormTesting.randomizeAffine(sync.weight, sync.bias, seed: 3)
        plain.weight.value.copyValues(sync.weight.value.array)
        plain.bias.value.copyValues(sync.bias.value.array)
        for step in 0..<3 {
            let x = GradientCheck.randomTensor(shape, seed: UInt64(40 + step), low: -2, high: 6)
            let dy = GradientCheck.randomTensor(shape, seed: UInt64(50 + step))
            sync.zeroGradients(); plain.zeroGradients()
            XCTAssertEqual(
                sync.forward(x, mode: .training).array, plain.forward(x, mode: .training).array, "y, step \(step)")
            XCTAssertEqual(
                sync.backward(dy, needsInputGradient: true)!.array, plain.backward(dy, needsInputGradient: true)!.array,
                "dx")
            XCTAssertEqual(sync.weight.gradient.array, plain.weight.gradient.array, "dγ")
            XCTAssertEqual(sync.bias.gradient.array, plain.bias.gradient.array, "dβ")
        }
        XCTAssertEqual(sync.runningMeanTensor.array, plain.runningMeanTensor.array)
        XCTAssertEqual(sync.runningVarianceTensor.array, plain.runningVarianceTensor.array)
        XCTAssertEqual(sync.batchesTrackedCount, 3)
        let x = GradientCheck.randomTensor(shape, seed: 60)
        XCTAssertEqual(sync.forward(x, mode: .inference).array, plain.forward(x, mode: .inference).array, "inference")
    }

    func testStateDictIsBatchNorms() {
        let sync = SyncBatchNorm(channelCount: 4), plain = BatchNorm(channelCount: 4)
        XCTAssertEqual(sync.parameters.map(\.name), plain.parameters.map(\.name))
        XCTAssertEqual(sync.buffers.map(\.name), plain.buffers.map(\.name))
        XCTAssertTrue(sync.isNormLayer)
    }

    func testFiniteDifferences() {
        NormTesting.sweep([
            SweepCase(batch: 2, channels: 3, height: 5, width: 7),
            SweepCase(batch: 8, channels: 4, height: 1, width: 1)
        ]) { c in SyncBatchNorm(channelCount: c.channels) }
    }

    func testFactoryBuildsItForSyncbatch() throws {
        let layer = try NormFactory.make(
            .syncbatch, channelCount: 8, height: 4, width: 4, groupCount: 1, layerName: "test")
        XCTAssertTrue(layer is SyncBatchNorm)
    }
}
