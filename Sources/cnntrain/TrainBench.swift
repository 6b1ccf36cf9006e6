import ArgumentParser
import CNNCore
import CNNData
import CNNExperiments
import CNNLayers
import CNNModels
import CNNNorms
import CNNTraining
import Foundation

/// Options shared by `bench train` and `bench speed`: what is measured and how much.
struct SpeedWorkloadOptions: ParsableArguments {
    @Option(help: OptionHelp.data)
    var data: String?
    @Option(help: "Training images to time, in whole batches (at least 5 steps), after the warm-up steps.")
    var trainImages = 9_600
    @Option(help: "Batch size of the inference measurement.")
    var inferenceBatchSize = 256
    @Option(help: "Test images to time inference on (at most the test set).")
    var inferenceImages = 10_000

    func validate() throws {
        try requireAtLeast(1, trainImages, option: "--train-images")
        try requireAtLeast(1, inferenceBatchSize, option: "--inference-batch-size")
        try requireAtLeast(1, inferenceImages, option: "--inference-images")
    }

    /// Sets what these options describe.
    func apply(to settings: inout SpeedProbe.Settings) {
        settings.training.data = data
        settings.trainImages = trainImages
        settings.inferenceBatchSize = inferenceBatchSize
        settings.inferenceImages = inferenceImages
    }
}

/// `cnntrain bench train`: one engine's training and inference speed, optionally profiled.
struct TrainBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract:
            "This engine's training and inference speed on real data, in one process (optionally with a per-layer profile).",
        discussion: """
            Prepares exactly as `cnntrain train` (data, model, SGD with momentum 0.9 and weight decay 5e-4), runs --warmup-steps untimed steps, then times --train-images of training steps, then inference (batches of --inference-batch-size) over the test set. `cnntrain bench speed` runs this next to scripts/torch_bench.py.
            """)
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var normOption: NormOption
    @OptionGroup var workload: SpeedWorkloadOptions
    @Option(help: "Images per training step.")
    var batchSize = 64
    @Option(
        name: .customLong("lr"),
        help: "Learning rate (constant; speed does not depend on it while the loss stays finite).")
    var learningRate: Float = SpeedProbe.Settings.defaultLearningRate
    @Option(help: "Untimed steps first (buffers sized, caches warm).")
    var warmupSteps = 10
    @Option(
        help:
            "Measure what this JSON file describes (SpeedProbe settings, as `cnntrain bench speed` writes them for its probes) instead of the measurement options above; --profile, --json and --threads still apply."
    )
    var config: String?
    @Flag(help: "Also print where the time goes, per layer and per kind.")
    var profile = false
    @Flag(help: "Print one JSON line (the form `cnntrain bench speed` reads).")
    var json = false
    @OptionGroup var threadOptions: ThreadOptions

    func validate() throws {
        try requireAtLeast(0, warmupSteps, option: "--warmup-steps")
        // A --config file is read and checked when the command runs (a bad file is bad input, 64).
        if config == nil { try settings().training.validateForCommandLine() }
    }

    /// What to measure: `--config`'s file, else the options.
    func settings() throws -> SpeedProbe.Settings {
        var settings: SpeedProbe.Settings
        if let config {
            settings = try SpeedProbe.Settings.read(config)
            if threadOptions.given { settings.training.threads = threadOptions.threads }
        } else {
            settings = SpeedProbe.Settings()
            modelOptions.apply(to: &settings.training)
            normOption.apply(to: &settings.training)
            workload.apply(to: &settings)
            settings.training.batchSize = batchSize
            settings.training.learningRate = learningRate
            settings.training.threads = threadOptions.threads
            settings.warmupSteps = warmupSteps
        }
        settings.profile = profile
        return settings
    }

    func run() throws {
        try runReportingErrors {
            let result = try SpeedProbe.run(try settings())
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(result), as: UTF8.self))
                return
            }
            BenchCommand.printEngine()
            print(
                String(
                    format:
                        "%@ --norm %@, batch %d, %d threads: training %.0f images/s (%d steps), inference %.0f images/s (batch %d, %d images), peak memory %.0f MiB",
                    result.model, result.norm, result.batchSize, result.threads, result.trainImagesPerSecond,
                    result.trainSteps,
                    result.inferenceImagesPerSecond, result.inferenceBatchSize, result.inferenceImages,
                    result.peakMemoryMiB))
            if let flops = result.trainGEMMFLOPsPerImage, let effective = result.effectiveTrainGFLOPs,
                let sgemm = result.sgemm1024GFLOPs
            {
                print(
                    String(
                        format:
                            "effective training GEMM rate %.1f GFLOP/s (%.1f MFLOP per image) = %.2f× OpenBLAS sgemm 1024³ in this run (%.1f GFLOP/s, %d threads)",
                        effective, flops / 1e6, effective / sgemm, sgemm, result.threads))
            }
            if let train = result.trainImagesPerCPUSecond, let inference = result.inferenceImagesPerCPUSecond {
                print(
                    String(
                        format:
                            "per CPU-second (all threads; steadier on a loaded machine): training %.0f images, inference %.0f images",
                        train, inference))
            }
            if let report = result.profile { print("\n" + report.text) }
        }
    }
}
