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

            Exit status: 0 success; 64 bad input (an option or its value, a file or folder, a model, a dataset, a checkpoint), refused before any work; 1 a failure during the work (training diverged, a write failed, cells of a study failed); 130 or 143 a run stopped by Ctrl-C or SIGTERM. Negative numbers are values, not options: --lr -1 is read as --lr=-1 (and refused).
            """,
        version: cnntrainVersion,
        subcommands: [
            TrainCommand.self, EvalCommand.self, PredictCommand.self, InfoCommand.self,
            BenchCommand.self, DataCommand.self, CompareCommand.self, StudyCommand.self
        ],
        defaultSubcommand: TrainCommand.self)

    /// Reads negative numbers after an option as its value, then runs as ArgumentParser does.
    static func main() {
        RankOutput.silenceSetupOnOtherRanks()
        main(CommandLineArguments.attachingNegativeNumbers(Array(CommandLine.arguments.dropFirst())))
    }
}

/// `cnntrain --version`.
let cnntrainVersion = "0.9.0"

/// The exit statuses of cnntrain (listed in `cnntrain --help`).
enum ExitStatus {
    /// Bad input, refused before any work: ArgumentParser's own status for a bad option (EX_USAGE).
    static let badInput: Int32 = 64
    /// A failure during the work: training diverged, a write failed, cells of a study failed.
    static let failure: Int32 = 1
}

enum CommandLineArguments {
    /// `--lr -1` → `--lr=-1`: ArgumentParser reads a word starting with "-" as an option, so a
    /// negative value after an option would be "missing"; joined with "=", it is that option's value
    /// (and the option's own check says what is allowed). Words after `--` are left alone.
    static func attachingNegativeNumbers(_ arguments: [String]) -> [String] {
        var result: [String] = []
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            if word == "--" { result += arguments[index...]; break }
            if word.hasPrefix("--"), !word.contains("="), index + 1 < arguments.count,
                isNegativeNumber(arguments[index + 1])
            {
                result.append(word + "=" + arguments[index + 1])
                index += 2
                continue
            }
            result.append(word)
            index += 1
        }
        return result
    }

    static func isNegativeNumber(_ word: String) -> Bool {
        guard word.hasPrefix("-"), word.count > 1 else { return false }
        let rest = word.dropFirst()
        return Double(rest) != nil || rest.lowercased() == "inf" || rest.first == "."
            || rest.split(separator: ",").allSatisfy { Double($0.hasPrefix("-") ? $0.dropFirst() : $0) != nil }
    }
}

/// Prints a failure as one clear line and exits non-zero (no stack trace for user errors):
/// with `status` (bad input unless told otherwise), or 130/143 for a run stopped by a signal.
func runReportingErrors(status: Int32 = ExitStatus.badInput, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch let error as CleanExit {
        throw error
    } catch let error as ValidationError {
        FileHandle.standardError.write("error: \(error)\n".data(using: .utf8)!)
        throw ExitCode(ExitStatus.badInput)
    } catch let error as TrainingInterrupted {
        FileHandle.standardError.write("\(error)\n".data(using: .utf8)!)
        throw ExitCode(error.exitStatus)
    } catch {
        FileHandle.standardError.write("error: \(error)\n".data(using: .utf8)!)
        throw ExitCode(status)
    }
}

/// `--threads`: validated once for every subcommand.
struct ThreadOptions: ParsableArguments {
    @Option(
        name: .customLong("threads"), help: "Threads for the engine (GEMM, norms, data loading). Default: all cores.")
    var threadCount: Int?

    /// `--threads`, else all cores.
    var threads: Int { threadCount ?? ProcessInfo.processInfo.activeProcessorCount }
    var given: Bool { threadCount != nil }

    func validate() throws {
        guard threads >= 1, threads <= 256 else {
            throw ValidationError("--threads \(threads) is not allowed; use 1 to 256")
        }
    }
}
