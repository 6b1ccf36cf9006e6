import ArgumentParser
import CNNCore
import CNNTraining
import Foundation

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify PNG/JPEG images with a checkpoint and print the top-k classes.")

    @Argument(help: "A checkpoint file (.safetensors) or a run directory.")
    var checkpoint: String
    @Argument(help: "PNG or JPEG files.")
    var images: [String]
    @Option(name: .customShort("k"), help: "How many classes to show per image.")
    var top = 3
    @Flag(help: "Print the predictions as JSON.")
    var json = false

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("give at least one image file") }
        guard top >= 1 else { throw ValidationError("-k \(top) is not allowed; use 1 or more") }
    }

    func run() throws {
        try runReportingErrors {
            Parallel.setThreadCount(1)
            let predictor = try Predictor(checkpoint: LoadedCheckpoint(path: RunDirectory.checkpointPath(forResume: checkpoint)))
            var predictions: [Predictor.Prediction] = []
            var failures = 0
            for image in images {
                do {
                    predictions.append(try predictor.predict(file: image, k: top))
                } catch {
                    failures += 1
                    FileHandle.standardError.write("error: \(error)\n".data(using: .utf8)!)
                }
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(predictions), as: UTF8.self))
            } else {
                for prediction in predictions {
                    let text = prediction.top.map { String(format: "%@ %.1f%%", $0.label, $0.probability * 100) }
                    print("\(prediction.file): " + text.joined(separator: ", "))
                }
            }
            if failures > 0 { throw ExitCode(1) }
        }
    }
}
