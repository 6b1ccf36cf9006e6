import CNNCore
import CNNData
import CNNLayers
import CNNTraining
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One speed measurement of this engine (`cnntrain bench train`): training images/s over a fixed
/// number of real training steps, then inference images/s over the test set, in one process.
///
/// It prepares exactly as `cnntrain train` does (a `Trainer` on a temporary run directory, so the
/// same data path, model and optimizer) and runs the same `TrainingStep`; only the epoch loop,
/// evaluation per epoch and checkpoints are left out. `scripts/pytorch/torch_bench.py` measures PyTorch the
/// same way, and `cnntrain bench speed` runs both side by side.
public enum SpeedProbe {
    /// What one probe measures: `cnntrain bench train`'s options, and the file `cnntrain bench
    /// speed` hands its probes (`bench train --config`, `scripts/pytorch/torch_bench.py --config`).
    public struct Settings: Codable, Equatable, Sendable {
        /// The learning rate of a probe unless told (constant; speed does not depend on it).
        public static let defaultLearningRate: Float = 0.01
        public var training = TrainingOptions()
        /// Images to time (rounded to whole steps, at least 5 steps), after `warmupSteps` untimed steps.
        public var trainImages = 9_600
        public var warmupSteps = 10
        public var inferenceBatchSize = 256
        /// Test images to time inference on (the whole test set when larger).
        public var inferenceImages = 10_000
        public var profile = false
        /// Also time OpenBLAS sgemm 1024³ (the yardstick of the effective GEMM rate).
        public var measureSGEMM = true
        public init() { training.learningRate = Self.defaultLearningRate }

        /// Reads the JSON that `write(to:)` writes.
        public static func read(_ path: String) throws -> Settings {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw TrainingError("\(path): cannot read the probe settings")
            }
            do {
                return try JSONDecoder().decode(Settings.self, from: data)
            } catch {
                throw TrainingError("\(path): not speed-probe settings: \(TrainingOptions.describe(error))")
            }
        }

        public func write(to path: String) throws {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(try encoder.encode(self), to: path)
        }
    }

    public struct Result: Codable, Sendable {
        public var engine = "cnntrain"
        public var model: String
        public var norm: String
        public var batchSize: Int
        public var threads: Int
        public var trainSteps: Int
        public var trainImagesPerSecond: Double
        public var inferenceBatchSize: Int
        public var inferenceImages: Int
        public var inferenceImagesPerSecond: Double
        public var parameterCount: Int
        /// Training images per second of this process's CPU time (user + system, all threads): on a
        /// shared, loaded machine a steadier figure for A/B comparisons than wall-clock images/s.
        public var trainImagesPerCPUSecond: Double?
        /// GEMM FLOPs of one training image: forward, weight gradient and input gradient of every
        /// convolution and linear layer (3× the forward), less the first layer's input gradient.
        /// smallcnn: 111.7 M.
        public var trainGEMMFLOPsPerImage: Double?
        /// `trainGEMMFLOPsPerImage` × training images/s, GFLOP/s.
        public var effectiveTrainGFLOPs: Double?
        /// OpenBLAS sgemm 1024³ in the same process, at the same thread count, GFLOP/s: the yardstick
        /// of `effectiveTrainGFLOPs`.
        public var sgemm1024GFLOPs: Double?
        public var inferenceImagesPerCPUSecond: Double?
        /// This process's peak resident memory (ru_maxrss), MiB.
        public var peakMemoryMiB: Double
        public var profile: ProfileReport?
    }

    public static func run(_ settings: Settings) throws -> Result {
        var options = settings.training
        options.epochs = 1
        options.testLimit = settings.inferenceImages
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cnntrain-bench-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let trainer = try Trainer(
            options: options, run: RunDirectory(path: directory), printer: ProgressPrinter(quiet: true))

        let batchSize = options.batchSize
        let batcher = Batcher(
            store: trainer.trainSet, batchSize: batchSize, shuffle: true, dropLast: true,
            normalization: trainer.normalization)
        guard batcher.batchesPerEpoch >= 1 else {
            throw TrainingError(
                "the training set has \(trainer.trainSet.count) images, fewer than one batch of \(batchSize)")
        }
        var generator = SeededGenerator(seed: options.seed)
        let step = TrainingStep(model: trainer.model, optimizer: trainer.optimizer, options: options)
        let images = Tensor(shape: Shape([batchSize] + trainer.resolved.inputShape))
        var labels: [Int32] = []
        var batchIndex = batcher.batchesPerEpoch
        /// One training step on the next batch (a new shuffled epoch when one runs out), as the trainer does it.
        func trainOneStep() {
            if batchIndex == batcher.batchesPerEpoch { batcher.startEpoch(generator: &generator); batchIndex = 0 }
            let start = monotonicNanoseconds()
            Profiler.timed(.data) { batcher.fill(batch: batchIndex, into: images, labels: &labels) }
            _ = step.run(images: images, labels: labels, learningRate: options.learningRate)
            Profiler.current?.finishStep(nanoseconds: monotonicNanoseconds() - start)
            batchIndex += 1
        }

        for _ in 0..<settings.warmupSteps { trainOneStep() }
        let steps = max(settings.trainImages / batchSize, 5)
        let profiler = settings.profile ? Profiler() : nil
        Profiler.current = profiler
        let trainStart = monotonicNanoseconds(), trainCPUStart = processCPUSeconds()
        for _ in 0..<steps { trainOneStep() }
        let trainSeconds = seconds(since: trainStart)
        let trainCPUSeconds = processCPUSeconds() - trainCPUStart
        Profiler.current = nil

        // Inference: one untimed batch to size the buffers, then the whole (limited) test set.
        let testSet = trainer.testSet
        _ = Evaluator.evaluate(
            trainer.model, store: testSet.prefix(settings.inferenceBatchSize),
            normalization: trainer.normalization, batchSize: settings.inferenceBatchSize)
        let inferenceStart = monotonicNanoseconds(), inferenceCPUStart = processCPUSeconds()
        _ = Evaluator.evaluate(
            trainer.model, store: testSet, normalization: trainer.normalization,
            batchSize: settings.inferenceBatchSize)
        let inferenceSeconds = seconds(since: inferenceStart)
        let inferenceCPUSeconds = processCPUSeconds() - inferenceCPUStart

        let gemmFLOPs =
            Double(trainingGEMMFLOPs(trainer.model, input: Shape([batchSize] + trainer.resolved.inputShape)))
            / Double(batchSize)
        let trainRate = Double(steps * batchSize) / trainSeconds
        let sgemmRate = settings.measureSGEMM ? sgemm1024(threads: options.threads) : nil
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Result(
            model: trainer.resolved.name, norm: trainer.resolved.norm, batchSize: batchSize, threads: options.threads,
            trainSteps: steps, trainImagesPerSecond: Double(steps * batchSize) / trainSeconds,
            inferenceBatchSize: settings.inferenceBatchSize, inferenceImages: testSet.count,
            inferenceImagesPerSecond: Double(testSet.count) / inferenceSeconds,
            parameterCount: trainer.model.parameterCount,
            trainImagesPerCPUSecond: Double(steps * batchSize) / max(trainCPUSeconds, 1e-9),
            trainGEMMFLOPsPerImage: gemmFLOPs, effectiveTrainGFLOPs: gemmFLOPs * trainRate / 1e9,
            sgemm1024GFLOPs: sgemmRate,
            inferenceImagesPerCPUSecond: Double(testSet.count) / max(inferenceCPUSeconds, 1e-9),
            peakMemoryMiB: Double(usage.ru_maxrss) / 1024,
            profile: profiler.map { ProfileReport(profiler: $0, model: trainer.model, batchSize: batchSize) })
    }
}

/// User + system CPU seconds of this process so far (all threads).
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

/// GEMM FLOPs of one training step of `model` on `input` (see `SpeedProbe.Result.trainGEMMFLOPsPerImage`):
/// the layers of the top-level sequence that are convolutions or linear layers.
func trainingGEMMFLOPs(_ model: Sequential, input: Shape) -> Int {
    var shape = input, total = 0
    for (index, layer) in model.layers.enumerated() {
        if layer is Conv2D || layer is Linear {
            let forward = layer.forwardFLOPs(for: shape) * input.batch
            total += forward * (index == 0 ? 2 : 3)
        }
        shape = layer.outputShape(for: shape)
    }
    return total
}

/// OpenBLAS sgemm on 1024×1024 matrices with `threads` BLAS threads: the best of 5, GFLOP/s.
func sgemm1024(threads: Int) -> Double {
    let n = 1024
    let a = Tensor(shape: Shape(n, n)), b = Tensor(shape: Shape(n, n)), c = Tensor(shape: Shape(n, n))
    for i in 0..<(n * n) { a[i] = Float(i % 7) * 0.1; b[i] = Float(i % 5) * 0.1 }
    let previous = BLAS.threadCount
    BLAS.setThreadCount(threads)
    defer { BLAS.setThreadCount(previous) }
    var best = Double.infinity
    for _ in 0..<5 {
        let start = monotonicNanoseconds()
        BLAS.sgemm(
            transposeA: false, transposeB: false, m: n, n: n, k: n, alpha: 1, a: a.data, lda: n, b: b.data, ldb: n,
            beta: 0, c: c.data, ldc: n)
        best = min(best, seconds(since: start))
    }
    return 2 * Double(n * n * n) / best / 1e9
}
