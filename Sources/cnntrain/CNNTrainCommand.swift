import ArgumentParser
import CNNModels
import CNNNorms
import CNNTraining
import Foundation

@main
struct CNNTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cnntrain",
        abstract: "Train small CNNs on a CPU and compare Batch, Layer, Instance and Group normalization.",
        discussion: """
        `cnntrain --norm group` trains the reference model (smallcnn) on Fashion-MNIST with GroupNorm. Models are text files in Models/ (see Models/README.md); datasets are IDX files, ImageFolder trees of PNG/JPEG files, or CIFAR-10 binary batches (see Datasets/README.md).
        """,
        subcommands: [TrainCommand.self, EvalCommand.self, PredictCommand.self, InfoCommand.self,
                      BenchCommand.self, DataCommand.self, CompareCommand.self],
        defaultSubcommand: TrainCommand.self)
}

extension NormKind: ExpressibleByArgument {}
extension NormPosition: ExpressibleByArgument {}

/// Prints a failure as one clear line and exits non-zero (no stack trace for user errors).
func runReportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch let error as CleanExit {
        throw error
    } catch {
        FileHandle.standardError.write("error: \(error)\n".data(using: .utf8)!)
        throw ExitCode(1)
    }
}

/// `--threads`: validated once for every subcommand.
struct ThreadOptions: ParsableArguments {
    @Option(name: .long, help: "Threads for the engine (GEMM, norms, data loading). Default: all cores.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard threads >= 1, threads <= 256 else { throw ValidationError("--threads \(threads) is not allowed; use 1 to 256") }
    }
}
