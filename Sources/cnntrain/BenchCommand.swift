import ArgumentParser
import CNNCore
import CNNData
import CNNExperiments
import CNNLayers
import CNNModels
import CNNNorms
import CNNTraining
import Foundation

/// `cnntrain bench …`: benchmarks that print figures (never pass/fail).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract:
            "Benchmarks that print figures (never pass/fail): speed against PyTorch, one engine's training speed and profile, kernels, norms, decode.",
        subcommands: [
            SpeedBench.self, TrainBench.self, KernelsBench.self, NormsBench.self, DecodeBench.self,
            AllReduceBench.self
        ])

    static func printEngine() {
        print(
            "OpenBLAS core: \(BLAS.coreName) (AVX-512 \(BLAS.cpuSupportsAVX512 ? "available" : "not available")), engine threads: \(Parallel.threadCount)\n"
        )
    }
}

/// Options of the micro-benchmarks (kernels, norms).
struct MicroBenchOptions: ParsableArguments {
    @Option(help: "Batch size.")
    var batchSize = 64
    @Option(help: "Repetitions (the median is shown).")
    var repetitions = 7

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size \(batchSize) is not allowed; use 1 or more") }
        guard repetitions >= 1 else {
            throw ValidationError("--repetitions \(repetitions) is not allowed; use 1 or more")
        }
    }
}

struct KernelsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract:
            "sgemm GFLOP/s on the GEMM shapes of smallcnn's convolutions next to conv forward and backward GFLOP/s.")
    @OptionGroup var options: MicroBenchOptions
    @OptionGroup var threadOptions: ThreadOptions

    func run() throws {
        Parallel.setThreadCount(threadOptions.threads)
        BenchCommand.printEngine()
        print(convBenchmarkReport(batchSize: options.batchSize, repetitions: options.repetitions))
    }
}

struct NormsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "norms",
        abstract: "Each norm's forward and backward time at smallcnn's four norm shapes next to its convolution's.")
    @OptionGroup var options: MicroBenchOptions
    @OptionGroup var threadOptions: ThreadOptions

    func run() throws {
        Parallel.setThreadCount(threadOptions.threads)
        BenchCommand.printEngine()
        print(normBenchmarkReport(batchSize: options.batchSize, repetitions: options.repetitions))
    }
}

struct DecodeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract:
            "PNG and JPEG decode throughput of ImageFolder trees, cold and from the cache (make the trees with scripts/data/prepare_fashion_images.sh)."
    )
    @Option(
        help:
            "The PNG tree. Default: Datasets/generated/fashion-png of the working directory, else of cnntrain's repository."
    )
    var pngRoot: String?
    @Option(
        help:
            "The JPEG tree. Default: Datasets/generated/fashion-jpeg of the working directory, else of cnntrain's repository."
    )
    var jpegRoot: String?
    @OptionGroup var threadOptions: ThreadOptions

    func run() throws {
        try runReportingErrors {
            Parallel.setThreadCount(threadOptions.threads)
            BenchCommand.printEngine()
            print(
                decodeBenchmarkReport(
                    pngRoot: pngRoot ?? ExecutablePath.repositoryFile("Datasets/generated/fashion-png"),
                    jpegRoot: jpegRoot ?? ExecutablePath.repositoryFile("Datasets/generated/fashion-jpeg")))
        }
    }
}

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
        guard trainImages >= 1 else {
            throw ValidationError("--train-images \(trainImages) is not allowed; use 1 or more")
        }
        guard inferenceBatchSize >= 1 else {
            throw ValidationError("--inference-batch-size \(inferenceBatchSize) is not allowed; use 1 or more")
        }
        guard inferenceImages >= 1 else {
            throw ValidationError("--inference-images \(inferenceImages) is not allowed; use 1 or more")
        }
    }

    /// Sets what these options describe.
    func apply(to settings: inout SpeedProbe.Settings) {
        settings.training.data = data
        settings.trainImages = trainImages
        settings.inferenceBatchSize = inferenceBatchSize
        settings.inferenceImages = inferenceImages
    }
}

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
        guard warmupSteps >= 0 else {
            throw ValidationError("--warmup-steps \(warmupSteps) is not allowed; use 0 or more")
        }
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

struct SpeedBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "speed",
        abstract:
            "This engine against PyTorch on the same model, norm by norm: training and inference images/s, their ratio, and peak memory.",
        discussion: """
            Every measurement is its own process: `cnntrain bench train --json` and scripts/pytorch/torch_bench.py, which runs PyTorch twice, with contiguous and with channels_last tensors; the ratio is ours over the faster of the two. PyTorch comes from --python (default: $CNNTRAIN_PYTHON, else /usr/bin/python3 with Debian's python3-torch); scripts/setup_torch_venv.sh makes .venv-torch/bin/python with the current PyTorch. The engines alternate within each repeat, and the table shows medians over --repeats. Peak memory is each process's own maximum resident set (wait4).

            Example (the README's tables): cnntrain bench speed --python .venv-torch/bin/python; cnntrain bench speed --python .venv-torch/bin/python --norms group --batch-sizes 1,8,64,256 --thread-counts 1,2
            """)
    @Option(help: OptionHelp.model)
    var model = TrainingOptions().model
    @OptionGroup var workload: SpeedWorkloadOptions
    @Option(help: OptionHelp.normList("Norms"))
    var norms = NormList.all
    @Option(help: "Training batch sizes: a comma list, e.g. 1,8,64,256.")
    var batchSizes = "64"
    @Option(help: "Thread counts: a comma list, e.g. 1,2. Default: all cores.")
    var threadCounts = String(ProcessInfo.processInfo.activeProcessorCount)
    @Option(help: "Repeats of every measurement (the median is shown).")
    var repeats = 3
    @Flag(help: "Measure this engine only, without the PyTorch columns.")
    var noPytorch = false
    @Option(
        help:
            "The Python that runs PyTorch (e.g. .venv-torch/bin/python from scripts/setup_torch_venv.sh). Default: $CNNTRAIN_PYTHON, else /usr/bin/python3."
    )
    var python: String?
    @Option(help: "Also write the rows as JSON to this file.")
    var json: String?

    func validate() throws {
        _ = try parsed()
        guard (1...50).contains(repeats) else {
            throw ValidationError("--repeats \(repeats) is not allowed; use 1 to 50")
        }
    }

    func parsed() throws -> (norms: [NormKind], batchSizes: [Int], threads: [Int]) {
        let normList = try norms.kinds(option: "--norms")
        func integers(_ text: String, _ option: String, _ range: ClosedRange<Int>) throws -> [Int] {
            try text.split(separator: ",").map { item in
                guard let value = Int(item.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
                    throw ValidationError(
                        "\(option): '\(item)' is not allowed; use a comma list of integers from \(range.lowerBound) to \(range.upperBound)"
                    )
                }
                return value
            }
        }
        let batches = try integers(batchSizes, "--batch-sizes", 1...4096)
        let threads = try integers(threadCounts, "--thread-counts", 1...256)
        guard !normList.isEmpty, !batches.isEmpty, !threads.isEmpty else {
            throw ValidationError("--norms, --batch-sizes and --thread-counts need at least one value each")
        }
        return (normList, batches, threads)
    }

    func run() throws {
        try runReportingErrors {
            let (normList, batches, threads) = try parsed()
            var configuration = SpeedComparison.Configuration()
            configuration.norms = normList
            configuration.batchSizes = batches
            configuration.threadCounts = threads
            configuration.repeats = repeats
            configuration.model = model
            configuration.data = workload.data
            configuration.trainImages = workload.trainImages
            configuration.inferenceBatchSize = workload.inferenceBatchSize
            configuration.inferenceImages = workload.inferenceImages
            let executable = ChildProcess.currentExecutable
            var torchScript: String? = nil
            let python = PythonInterpreter.resolve(self.python)
            if !noPytorch {
                if let script = PythonScripts.find("pytorch/torch_bench.py", executable: executable),
                    PythonInterpreter.has("torch", python: python)
                {
                    torchScript = script
                } else {
                    print(
                        "PyTorch columns left out: \(python) has no torch (scripts/setup_torch_venv.sh, or apt-get install python3-torch) or scripts/pytorch/torch_bench.py is not found; --no-pytorch silences this."
                    )
                }
            }
            Parallel.setThreadCount(1)
            BenchCommand.printEngine()
            print(
                "\(model): \(normList.count * batches.count * threads.count) configurations × \(repeats) repeats; training \(workload.trainImages) images per measurement, inference \(workload.inferenceImages) test images"
            )
            if torchScript != nil { print("PyTorch from \(python)") }
            let comparison = SpeedComparison(
                configuration: configuration, commands: CommandLineChildren(executable: executable, python: python),
                torchScript: torchScript
            ) { line in
                print(line)
                fflush(stdout)
            }
            let rows = try comparison.run()
            print("\nmedians of \(repeats) repeats:\n")
            print(SpeedComparison.markdown(rows, inferenceBatchSize: workload.inferenceBatchSize))
            if let cpu = SpeedComparison.cpuMarkdown(rows) {
                print(
                    "\nimages per CPU-second (user + system time of each process; steadier on a loaded machine, fair at one thread: idle OpenMP threads spin):\n"
                )
                print(cpu)
            }
            if let json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try AtomicFile.write(try encoder.encode(rows), to: json)
                print("wrote \(json)")
            }
            let failed = rows.flatMap(\.failures)
            if !failed.isEmpty {
                throw TrainingError("\(failed.count) measurements failed:\n" + failed.joined(separator: "\n"))
            }
        }
    }
}
