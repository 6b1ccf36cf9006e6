import CNNCore
import CNNData
import CNNLayers
import CNNNorms
import Foundation

/// One data-parallel optimisation step on this process's share of a global batch:
/// forward → loss → zero gradients → backward (loss scaled by 1/global count) → one fused
/// all-reduce → (clip) → optimizer step.
///
/// The all-reduce carries, after every parameter gradient, this share's Σ loss, correct
/// predictions, sample count and a stop flag, so that each decision that could differ between
/// processes (a non-finite loss, a Ctrl-C on one process) is taken on the same reduced values
/// everywhere, and no process is left waiting in a collective. Each process scales its loss by
/// 1/(global count) (not 1/(its count)), so the summed gradient is the mean over the global batch
/// even when the shares are unequal. All processes then hold the same gradient bits, and the same
/// optimizer step keeps their weights bit-identical.
final class DataParallelStep {
    let step: TrainingStep
    let communicator: Communicator
    /// (P + 4): every parameter's gradient in model order, then Σ loss, correct, count, stop signal.
    private var fused: [Float]

    init(step: TrainingStep, communicator: Communicator) {
        self.step = step
        self.communicator = communicator
        fused = [Float](repeating: 0, count: step.parameters.reduce(0) { $0 + $1.count } + 4)
    }

    struct Outcome {
        /// Over the global batch.
        var lossSum: Double, correct: Int, count: Int
        /// A stop signal received by any process (0: none).
        var stopSignal: Int32
        var loss: Double { lossSum / Double(max(count, 1)) }
    }

    /// Trains on this process's `images` (its share of `globalCount` samples). Every process must
    /// call it for every step. Nothing is updated when the global loss is not finite or a process
    /// asked to stop.
    func run(images: Tensor, labels: [Int32], globalCount: Int, learningRate: Float, stopSignal: Int32) -> Outcome {
        let model = step.model
        let logits = model.forward(images, mode: .training)
        let (loss, correct) = Profiler.timed(.loss) { step.lossFunction.forward(logits: logits, labels: labels) }
        Profiler.timed(.optimizer) { for parameter in step.parameters { parameter.gradient.zero() } }
        let lossGradient = Profiler.timed(.loss) { () -> Tensor in
            let gradient = step.lossFunction.backward()  // ∂(mean over this share)/∂logits
            let scale = Float(labels.count) / Float(globalCount)
            let g = gradient.data
            for i in 0..<gradient.count { g[i] *= scale }
            return gradient
        }
        // Even with a non-finite loss the backward runs: SyncBatchNorm's collectives must meet.
        _ = model.backward(lossGradient, needsInputGradient: false)
        let P = fused.count - 4
        fused.withUnsafeMutableBufferPointer { buffer in
            var offset = 0
            for parameter in step.parameters {
                (buffer.baseAddress! + offset).update(from: parameter.gradient.data, count: parameter.count)
                offset += parameter.count
            }
            buffer[P] = loss * Float(labels.count)
            buffer[P + 1] = Float(correct)
            buffer[P + 2] = Float(labels.count)
            buffer[P + 3] = Float(stopSignal)
            Profiler.timed(.communication) { communicator.allReduceSum(buffer) }
            offset = 0
            for parameter in step.parameters {
                parameter.gradient.data.update(from: buffer.baseAddress! + offset, count: parameter.count)
                offset += parameter.count
            }
        }
        let outcome = Outcome(
            lossSum: Double(fused[P]), correct: Int(fused[P + 1].rounded()), count: Int(fused[P + 2].rounded()),
            stopSignal: fused[P + 3] > 0
                ? (stopSignal > 0 ? stopSignal : Int32(fused[P + 3]) == SIGINT ? SIGINT : SIGTERM) : 0)
        if outcome.lossSum.isFinite && outcome.stopSignal == 0 {
            // Clipped after the sum: the global gradient's norm, the same on every process.
            if let clipGradientNorm = step.clipGradientNorm {
                Profiler.timed(.optimizer) { _ = GradientClipping.clip(step.parameters, maxNorm: clipGradientNorm) }
            }
            Profiler.timed(.optimizer) { step.optimizer.step(learningRate: learningRate) }
        }
        return outcome
    }
}

extension Layer {
    /// This layer and every layer inside it, in forward order.
    var allLayers: [Layer] { [self] + children.flatMap { $0.layer.allLayers } }
}

extension Trainer {
    /// Connects the model's SyncBatchNorm layers to the processes of the job.
    static func connect(_ model: Sequential, to communicator: Communicator) {
        for case let norm as SyncBatchNorm in model.allLayers { norm.communicator = communicator }
    }

    /// Makes every process's buffers (BatchNorm's running statistics, which plain `batch` norm
    /// computes per process) rank 0's, as PyTorch's DistributedDataParallel does
    /// (broadcast_buffers): evaluation and checkpoints then see the same model on every process.
    func broadcastBuffers() {
        for (_, buffer) in model.namedBuffers() {
            if case .float(let tensor) = buffer.storage {
                communicator.broadcast(UnsafeMutableBufferPointer(start: tensor.data, count: tensor.count), root: 0)
            }
        }
    }

    /// Checks that every process holds the same weights and buffers, bit for bit (an FNV-1a hash
    /// of their bits, gathered from all processes). Returns the hash; throws when they differ,
    /// which would be a bug (the fused all-reduce gives every process the same gradient bits).
    @discardableResult
    func checkReplicasAgree(epoch: Int) throws -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ tensor: Tensor) {
            for i in 0..<tensor.count { hash = (hash ^ UInt64(tensor.data[i].bitPattern)) &* 0x100_0000_01b3 }
        }
        for (_, parameter) in model.namedParameters() { mix(parameter.value) }
        for (_, buffer) in model.namedBuffers() { if case .float(let tensor) = buffer.storage { mix(tensor) } }
        let gathered = communicator.allGather([Double(hash >> 32), Double(hash & 0xffff_ffff)])
        let hashes = stride(from: 0, to: gathered.count, by: 2).map {
            UInt64(gathered[$0]) << 32 | UInt64(gathered[$0 + 1])
        }
        if let other = hashes.firstIndex(where: { $0 != hashes[0] }) {
            throw TrainingError(
                "after epoch \(epoch) process \(other)'s weights differ from process 0's (hash \(String(hashes[other], radix: 16)) vs \(String(hashes[0], radix: 16))); the processes no longer train one model"
            )
        }
        return hash
    }

    /// The test set evaluated on all processes, each its contiguous share; the loss and accuracy
    /// are over the whole set.
    func evaluateShared(_ share: ImageStore) -> (loss: Double, accuracy: Double) {
        let result = Evaluator.evaluate(model, store: share, normalization: normalization)
        let count = Double(result.count)
        let totals = communicator.allReduceSum([result.loss * count, (result.accuracy * count).rounded(), count])
        return (totals[0] / totals[2], totals[1] / totals[2])
    }

    /// `train()` on several processes: each takes its share of every global batch (contiguous, in
    /// rank order; see `shareRange`), the gradients are summed with one all-reduce per step, and
    /// rank 0 alone writes the run directory. A last batch with fewer samples than processes is
    /// skipped (at most W − 1 images an epoch), so that every process has a sample in every step.
    func trainDataParallel() throws -> TrainingSummary {
        let rank = communicator.rank, size = communicator.size
        let batchSize = options.batchSize
        var generator = SeededGenerator(state: state.shuffleGeneratorState)
        let batcher = Batcher(
            store: trainSet, batchSize: batchSize, shuffle: true, normalization: normalization,
            augmentation: options.augment ? Augmentation(randomCropPadding: 2, horizontalFlip: true) : nil)
        let images = Tensor(shape: Shape([batchSize / size] + resolved.inputShape))
        var labels: [Int32] = []
        let trainingStep = DataParallelStep(
            step: TrainingStep(model: model, optimizer: optimizer, options: options),
            communicator: communicator)
        let dropouts = model.dropoutLayers
        let testShare = testSet.subset(Array(shareRange(rank: rank, size: size, count: testSet.count)))
        // The same subset on every process (seeded), each evaluating its share, as the test set.
        let trainEvalShare = trainEvalSet.map { $0.subset(Array(shareRange(rank: rank, size: size, count: $0.count))) }
        let profiler = profile ? Profiler() : nil
        Profiler.current = profiler
        defer { Profiler.current = nil }
        precondition(batcher.batchesPerEpoch == stepsPerEpoch, "the batcher's epoch is not the trainer's")
        let totalSteps = self.totalSteps
        var validatedShape = images.shape
        if batcher.batchCount(stepsPerEpoch - 1) < size {
            printer.log(
                "note: the last batch of each epoch has \(batcher.batchCount(stepsPerEpoch - 1)) images, fewer than the \(size) processes; it is skipped (it still counts as a step of --steps and of the schedule)"
            )
        }
        printer.log(
            "training \(resolved.name) with --norm \(resolved.norm) on \(size) processes: global batch \(batchSize) = \(size) × \(batchSize / size) images per process, \(Parallel.threadCount) thread\(Parallel.threadCount == 1 ? "" : "s") each; \(model.parameterCount) parameters, \(trainSet.count) training and \(testSet.count) test images, \(stepsPerEpoch) steps per epoch\(options.steps.map { ", \($0) steps in all" } ?? "") → \(run.path)"
        )

        while state.completedEpochs < options.epochs {
            let epoch = state.completedEpochs + 1
            let steps = stepCount(epoch: epoch)
            batcher.startEpoch(generator: &generator)
            var lossSum = 0.0, correct = 0, seen = 0
            var learningRate: Float = 0
            let start = Date()
            for step in 0..<steps {
                let stepStart = monotonicNanoseconds()
                let globalCount = batcher.batchCount(step)
                learningRate = schedule.rate(
                    step: state.globalStep, totalSteps: totalSteps, stepsPerEpoch: stepsPerEpoch)
                guard globalCount >= size else { state.globalStep += 1; continue }
                let share = shareRange(rank: rank, size: size, count: globalCount)
                Profiler.timed(.data) { batcher.fill(batch: step, samples: share, into: images, labels: &labels) }
                for dropout in dropouts { dropout.share = (share.lowerBound, globalCount - share.upperBound) }
                if images.shape != validatedShape {
                    try model.validate(images.shape, mode: .training)
                    validatedShape = images.shape
                }
                let outcome = trainingStep.run(
                    images: images, labels: labels, globalCount: globalCount, learningRate: learningRate,
                    stopSignal: StopRequest.received ?? 0)
                if outcome.stopSignal != 0 {
                    printer.clearLine()
                    throw TrainingInterrupted(
                        signal: outcome.stopSignal, epoch: epoch, epochs: options.epochs, step: step, steps: steps,
                        completedEpochs: state.completedEpochs, run: run)
                }
                guard outcome.lossSum.isFinite else {
                    throw TrainingError.diverged(
                        loss: Float(outcome.loss), epoch: epoch, step: step + 1, learningRate: learningRate,
                        checkpoint: state.completedEpochs > 0 ? run.checkpointPath : nil)
                }
                state.globalStep += 1
                profiler?.finishStep(nanoseconds: monotonicNanoseconds() - stepStart)
                lossSum += outcome.lossSum
                correct += outcome.correct
                seen += outcome.count
                let elapsed = Date().timeIntervalSince(start)
                printer.step(
                    epoch: epoch, epochs: options.epochs, step: step + 1, steps: steps, loss: lossSum / Double(seen),
                    accuracy: Double(correct) / Double(seen), imagesPerSecond: Double(seen) / max(elapsed, 1e-9),
                    secondsLeft: elapsed / Double(step + 1) * Double(steps - step - 1))
            }
            for dropout in dropouts { dropout.share = (0, 0) }
            let seconds = Date().timeIntervalSince(start)
            broadcastBuffers()
            let evaluationStart = Date()
            Profiler.current = nil  // the profile covers training steps only
            var test = evaluateShared(testShare)
            test.loss = EvaluationFaultInjection.testLoss(test.loss, epoch: epoch)
            lastEvaluationSeconds = Date().timeIntervalSince(evaluationStart)
            let trainEvaluation = trainEvalShare.map { evaluateShared($0) }
            Profiler.current = profiler
            let measured = EpochMeasurements(
                epoch: epoch, lossSum: lossSum, correct: correct, seen: seen, learningRate: learningRate,
                seconds: seconds, test: test, trainEvaluation: trainEvaluation)
            try checkFinite(measured)
            let hash = try checkReplicasAgree(epoch: epoch)
            printer.log(
                "epoch \(epoch): weights and buffers identical on all \(size) processes (hash \(String(hash, radix: 16)))"
            )
            try keep(measured, shuffleState: generator.stateWords, writes: rank == 0)
        }
        var summary = makeSummary()
        summary.processes = size
        if rank == 0 { try run.writeSummary(summary) }
        if let profiler, profiler.steps > 0, rank == 0 {
            let report = ProfileReport(profiler: profiler, model: model, batchSize: batchSize / size)
            printer.log("\n" + report.text)
            try run.writeProfile(report)
        }
        // Rank 0's writes are done before any process reports success.
        communicator.barrier()
        return summary
    }
}
