import CNNCore
import CNNLayers
import CNNNorms
import TestSupport
import XCTest

/// Sequential's fusion (`Fusion`) gives the unfused layer-by-layer result: in inference conv →
/// BatchNorm → ReLU as one conv, on our kernels' path and on the OpenBLAS path, with and without a
/// conv bias, BatchNorm alone, ReLU alone, and GroupNorm → ReLU; in training, conv → ReLU and
/// norm → ReLU, and ReLU → max pool in backward, bit for bit.
final class FusedInferenceTests: XCTestCase {
    /// A BatchNorm with trained-looking running statistics and affine parameters.
    private func batchNorm(_ channels: Int, seed: UInt64) -> BatchNorm {
        let norm = BatchNorm(channelCount: channels)
        let values = GradientCheck.randomTensor(Shape(4, channels), seed: seed).array
        norm.weight.value.copyValues(values[0..<channels].map { 1 + 0.5 * $0 })
        norm.bias.value.copyValues(Array(values[channels..<(2 * channels)]))
        norm.runningMeanTensor.copyValues(values[(2 * channels)..<(3 * channels)].map { 2 * $0 })
        norm.runningVarianceTensor.copyValues(values[(3 * channels)...].map { 0.2 + abs($0) })
        return norm
    }

    private func model() -> (Sequential, [Layer]) {
        var generator = SeededGenerator(seed: 7)
        let layers: [Layer] = [
            // R = 9: the OpenBLAS path, with a bias, then BatchNorm and ReLU.
            Conv2D(inputChannels: 1, outputChannels: 8, kernelSize: 3, padding: 1, bias: true, generator: &generator),
            batchNorm(8, seed: 1), ReLU(),
            // R = 72: our kernels' path, no bias, BatchNorm and ReLU.
            Conv2D(inputChannels: 8, outputChannels: 16, kernelSize: 3, padding: 1, bias: false, generator: &generator),
            batchNorm(16, seed: 2), ReLU(),
            // Our kernels with a bias and ReLU only (the `--norm none` pattern).
            Conv2D(inputChannels: 16, outputChannels: 12, kernelSize: 3, padding: 1, bias: true, generator: &generator),
            ReLU(),
            // BatchNorm without ReLU.
            Conv2D(inputChannels: 12, outputChannels: 8, kernelSize: 3, padding: 0, bias: false, generator: &generator),
            batchNorm(8, seed: 3),
            // A norm that does not fold: the conv runs alone, GroupNorm and ReLU as themselves.
            Conv2D(inputChannels: 8, outputChannels: 8, kernelSize: 3, padding: 1, bias: false, generator: &generator),
            GroupNorm(groupCount: 2, channelCount: 8), ReLU(),
            // Pools after a ReLU take its backward: a fused ReLU, then an unfused one with
            // overlapping windows (several windows may pick the same input).
            MaxPool2D(kernelSize: 2), ReLU(), MaxPool2D(kernelSize: 3, stride: 1, padding: 1)
        ]
        return (Sequential(layers), layers)
    }

    func testFusedInferenceMatchesLayerByLayer() {
        let (fused, _) = model()
        let (unfused, _) = model()
        unfused.fuses = false
        fused.fuses = true
        for batch in [1, 3] {
            let x = GradientCheck.randomTensor(Shape(batch, 1, 11, 13), seed: UInt64(10 + batch))
            let expected = unfused.forward(x, mode: .inference).array
            let actual = fused.forward(x, mode: .inference).array
            XCTAssertTrue(expected.contains { $0 > 0 } && expected.contains { $0 == 0 }, "ReLU must act")
            assertClose(actual, expected, relative: 1e-5, absolute: 1e-5, "batch \(batch)")
        }
    }

    /// Training fuses only the ReLUs into the layer before them, or in backward into the pool after
    /// them (never a BatchNorm into a conv): output, input gradient and every parameter gradient
    /// are bit-identical to the unfused run.
    func testFusedTrainingStepIsBitIdentical() {
        let (fused, fusedLayers) = model()
        let (unfused, _) = model()
        fused.fuses = true
        unfused.fuses = false
        let x = GradientCheck.randomTensor(Shape(2, 1, 11, 13), seed: 5)
        let yFused = fused.forward(x, mode: .training).array
        let yUnfused = unfused.forward(x, mode: .training).array
        XCTAssertEqual(yFused, yUnfused, "training output")
        let dy = GradientCheck.randomTensor(Shape(2, 8, 4, 5), seed: 6)
        let dxFused = fused.backward(dy, needsInputGradient: true)!.array
        let dxUnfused = unfused.backward(dy, needsInputGradient: true)!.array
        XCTAssertEqual(dxFused, dxUnfused, "input gradient")
        for (a, b) in zip(fused.namedParameters(), unfused.namedParameters()) {
            XCTAssertEqual(a.parameter.gradient.array, b.parameter.gradient.array, "gradient of \(a.name)")
        }
        XCTAssertEqual((fusedLayers[1] as! BatchNorm).batchesTrackedCount, 1, "training runs the BatchNorm itself")
    }

    /// conv → ReLU on every path of the conv's backward, with the ReLU's backward fused into the
    /// conv's (`ReLUBackwardFusing`): R = 9 (short-reduction forward) and a stride-2 conv, both with
    /// im2col + OpenBLAS backward, stride-1
    /// R ≥ 32 (our kernels, with and without ∂x), at batch 3 on 2 threads (whole images per thread)
    /// and batch 1 on 2 threads (each image split over the threads): bit-identical to the unfused run.
    ///
    /// `gated`: each conv after a ReLU takes that ReLU's backward instead (`PrecedingReLUFusing`,
    /// ∂x gated by its input), a pool taking the last ReLU: on the stride-2 conv (im2col + col2im),
    /// the 1×1 conv (OpenBLAS) and a 3×3 stride-1 conv (our kernels, or each image split over the
    /// threads at batch 1).
    func testFusedConvReLUBackwardIsBitIdentical() {
        func model(gated: Bool) -> Sequential {
            var generator = SeededGenerator(seed: 17)
            if gated {
                return Sequential([
                    Conv2D(inputChannels: 1, outputChannels: 20, kernelSize: 3, padding: 1, generator: &generator),
                    ReLU(),
                    Conv2D(
                        inputChannels: 20, outputChannels: 12, kernelSize: 3, stride: 2, padding: 1,
                        generator: &generator),
                    ReLU(),
                    Conv2D(inputChannels: 12, outputChannels: 16, kernelSize: 1, generator: &generator), ReLU(),
                    Conv2D(inputChannels: 16, outputChannels: 20, kernelSize: 3, padding: 1, generator: &generator),
                    ReLU(), MaxPool2D(kernelSize: 2)
                ])
            }
            return Sequential([
                Conv2D(inputChannels: 1, outputChannels: 20, kernelSize: 3, padding: 1, generator: &generator), ReLU(),
                Conv2D(
                    inputChannels: 20, outputChannels: 12, kernelSize: 3, stride: 2, padding: 1, generator: &generator),
                ReLU(),
                Conv2D(inputChannels: 12, outputChannels: 20, kernelSize: 3, padding: 1, generator: &generator), ReLU(),
                Conv2D(
                    inputChannels: 20, outputChannels: 8, kernelSize: 3, padding: 0, bias: false, generator: &generator),
                ReLU()
            ])
        }
        let original = Parallel.threadCount
        defer { Parallel.setThreadCount(original) }
        for gated in [false, true] {
            for (threads, batch) in [(2, 3), (2, 1), (1, 2)] {
                Parallel.setThreadCount(threads)
                for needsInputGradient in [true, false] {
                    let fused = model(gated: gated), unfused = model(gated: gated)
                    fused.fuses = true
                    unfused.fuses = false
                    let name = "gated \(gated), \(threads) threads, batch \(batch), ∂x \(needsInputGradient)"
                    let x = GradientCheck.randomTensor(Shape(batch, 1, 11, 13), seed: UInt64(20 + batch))
                    let y = fused.forward(x, mode: .training).array
                    XCTAssertEqual(y, unfused.forward(x, mode: .training).array, "\(name): output")
                    XCTAssertTrue(y.contains { $0 > 0 } && y.contains { $0 == 0 }, "ReLU must act")
                    let dy = GradientCheck.randomTensor(fused.outputShape(for: x.shape), seed: UInt64(30 + batch))
                    let dxFused = fused.backward(dy, needsInputGradient: needsInputGradient)?.array
                    let dxUnfused = unfused.backward(dy, needsInputGradient: needsInputGradient)?.array
                    XCTAssertEqual(dxFused, dxUnfused, "\(name): input gradient")
                    for (a, b) in zip(fused.namedParameters(), unfused.namedParameters()) {
                        XCTAssertEqual(
                            a.parameter.gradient.array, b.parameter.gradient.array, "\(name): gradient of \(a.name)")
                    }
                }
            }
        }
    }

    /// At 6×6 (36 = 32 + 4 positions) the input gradients of 4 images are computed together, their
    /// last 4 positions in one vector (`ConvKernels.tailGroup`): a batch of 9 on 2 threads (chunks of
    /// 5 and 4) must give each image the output and input gradient it gets alone, bit for bit, with
    /// the ReLU fused (masked gradients in the chunk's group buffer) and unfused.
    func testConvBackwardWithSharedTailsMatchesOneImageAtATime() {
        // Without the pool the second conv fuses the ReLU after it (masked gradients); with it, the
        // pool takes that ReLU and the second conv the ReLU in front of it (its ∂x gated by its input
        // on the store, the shared tails' split store included).
        for pooled in [false, true] {
            func model(fuses: Bool) -> Sequential {
                var generator = SeededGenerator(seed: 11)
                let sequential = Sequential([
                    Conv2D(inputChannels: 8, outputChannels: 16, kernelSize: 3, padding: 1, generator: &generator),
                    ReLU(),
                    Conv2D(inputChannels: 16, outputChannels: 12, kernelSize: 3, padding: 1, generator: &generator),
                    ReLU()
                ])
                if pooled { sequential.append(MaxPool2D(kernelSize: 2)) }
                sequential.fuses = fuses
                return sequential
            }
            let original = Parallel.threadCount
            defer { Parallel.setThreadCount(original) }
            let batch = 9, CHW = 8 * 36, side = pooled ? 3 : 6, outputCount = 12 * side * side
            let x = GradientCheck.randomTensor(Shape(batch, 8, 6, 6), seed: 40)
            let dy = GradientCheck.randomTensor(Shape(batch, 12, side, side), seed: 41)
            // Alone: one thread, one image per batch (one call per image, no shared vector).
            Parallel.setThreadCount(1)
            var aloneY: [Float] = [], aloneDx: [Float] = []
            for n in 0..<batch {
                let single = model(fuses: true)
                let xn = Tensor(shape: Shape(1, 8, 6, 6), values: Array(x.array[(n * CHW)..<((n + 1) * CHW)]))
                let dyn = Tensor(
                    shape: Shape(1, 12, side, side),
                    values: Array(dy.array[(n * outputCount)..<((n + 1) * outputCount)]))
                aloneY += single.forward(xn, mode: .training).array
                aloneDx += single.backward(dyn, needsInputGradient: true)!.array
            }
            Parallel.setThreadCount(2)
            for fuses in [true, false] {
                let together = model(fuses: fuses)
                let name = "pooled \(pooled), fused \(fuses)"
                XCTAssertEqual(together.forward(x, mode: .training).array, aloneY, "\(name): output")
                XCTAssertEqual(
                    together.backward(dy, needsInputGradient: true)!.array, aloneDx, "\(name): input gradient")
            }
        }
    }

    /// NaN survives a fused ReLU as it survives torch.relu and the ReLU layer.
    func testFusedReLUKeepsNaN() {
        var generator = SeededGenerator(seed: 3)
        let conv = Conv2D(inputChannels: 8, outputChannels: 8, kernelSize: 3, padding: 1, generator: &generator)
        conv.weight.value.data[0] = .nan
        let sequential = Sequential([conv, ReLU()])
        let x = GradientCheck.randomTensor(Shape(1, 8, 5, 5), seed: 4)
        let y = sequential.forward(x, mode: .inference).array
        XCTAssertTrue(y[0..<25].allSatisfy { $0.isNaN }, "channel 0 is NaN")
        XCTAssertFalse(y[25...].contains { $0.isNaN })
    }
}
