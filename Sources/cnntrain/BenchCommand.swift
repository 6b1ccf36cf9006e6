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
        try requireAtLeast(1, batchSize, option: "--batch-size")
        try requireAtLeast(1, repetitions, option: "--repetitions")
    }

    /// Prints the engine line and the report of a micro-benchmark run on `threads` threads.
    func run(threads: Int, _ report: (_ batchSize: Int, _ repetitions: Int) -> String) {
        Parallel.setThreadCount(threads)
        BenchCommand.printEngine()
        print(report(batchSize, repetitions))
    }
}

struct KernelsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract:
            "sgemm GFLOP/s on the GEMM shapes of smallcnn's convolutions next to conv forward and backward GFLOP/s.")
    @OptionGroup var options: MicroBenchOptions
    @OptionGroup var threadOptions: ThreadOptions

    func run() throws { options.run(threads: threadOptions.threads, convBenchmarkReport) }
}

struct NormsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "norms",
        abstract: "Each norm's forward and backward time at smallcnn's four norm shapes next to its convolution's.")
    @OptionGroup var options: MicroBenchOptions
    @OptionGroup var threadOptions: ThreadOptions

    func run() throws {
        options.run(threads: threadOptions.threads) { normBenchmarkReport(batchSize: $0, repetitions: $1) }
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
