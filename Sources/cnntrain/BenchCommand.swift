import ArgumentParser
import CNNCore
import CNNData
import CNNLayers
import CNNNorms
import CNNTraining
import Foundation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks that print figures (never pass/fail): kernels, norms, decode.",
        discussion: """
        kernels: sgemm GFLOP/s on the GEMM shapes of smallcnn's convolutions next to conv forward and backward GFLOP/s.

        norms: each norm's forward and backward time at smallcnn's four norm shapes next to its convolution's.

        decode: PNG and JPEG decode throughput of ImageFolder trees, cold and from the cache (make the trees with scripts/prepare_fashion_images.sh).
        """)

    enum Suite: String, CaseIterable, ExpressibleByArgument { case kernels, norms, decode }

    @Argument(help: "Which benchmark: \(Suite.allCases.map(\.rawValue).joined(separator: ", ")).")
    var suite: Suite
    @Option(help: "Batch size of the kernel and norm benchmarks.")
    var batchSize = 64
    @Option(help: "Repetitions (the median is shown).")
    var repetitions = 7
    @Option(help: "decode: the PNG tree.")
    var pngRoot = "Datasets/generated/fashion-png"
    @Option(help: "decode: the JPEG tree.")
    var jpegRoot = "Datasets/generated/fashion-jpeg"
    @OptionGroup var threadOptions: ThreadOptions

    func run() throws {
        try runReportingErrors {
            Parallel.setThreadCount(threadOptions.threads)
            print("OpenBLAS core: \(BLAS.coreName) (AVX-512 \(BLAS.cpuSupportsAVX512 ? "available" : "not available")), engine threads: \(Parallel.threadCount)\n")
            switch suite {
            case .kernels: print(convBenchmarkReport(batchSize: batchSize, repetitions: repetitions))
            case .norms: print(normBenchmarkReport(batchSize: batchSize, repetitions: repetitions))
            case .decode: print(decodeBenchmarkReport(pngRoot: pngRoot, jpegRoot: jpegRoot))
            }
        }
    }
}
