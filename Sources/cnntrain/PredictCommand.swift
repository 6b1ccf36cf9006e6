import ArgumentParser
import CNNCore
import CNNData
import CNNTraining
import Foundation

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify PNG/JPEG images with a checkpoint and print the top-k classes.",
        discussion: """
            Images can be files, folders (every .png, .jpg and .jpeg under them, in path order) and list files (--list: one path per line). A file that cannot be read is reported, naming it (and its list line), and the others are still classified; the exit status is then 1.

            Example: find photos -name '*.jpg' | cnntrain predict runs/latest --list -
            """)

    @Argument(help: "A checkpoint file (.safetensors) or a run directory.")
    var checkpoint: String
    @Argument(help: "PNG or JPEG files, or folders of them.")
    var images: [String] = []
    @Option(
        help: ArgumentHelp(
            "A text file of image paths, one per line (blank lines and # comments skipped; relative paths are relative to the working directory); - reads standard input. Can be repeated.",
            valueName: "file"))
    var list: [String] = []
    @Option(name: .customShort("k"), help: "How many classes to show per image.")
    var top = 3
    @Flag(help: "Print the predictions as JSON.")
    var json = false

    func validate() throws {
        guard !images.isEmpty || !list.isEmpty else {
            throw ValidationError("give at least one image file, folder, or --list file")
        }
        try requireAtLeast(1, top, option: "-k")
    }

    func run() throws {
        try runReportingErrors {
            Parallel.setThreadCount(1)
            var inputs = ImageFileList()
            for image in images { try inputs.add(path: image) }
            for file in list { try inputs.add(listFile: file) }
            let predictor = try Predictor(
                checkpoint: LoadedCheckpoint(path: RunDirectory.checkpointPath(forResume: checkpoint)))
            var predictions: [Predictor.Prediction] = []
            var failures = 0
            for item in inputs.items {
                do {
                    let prediction = try predictor.predict(file: item.path, k: top)
                    if let warning = prediction.warning {
                        standardError("warning: \(item.origin.map { $0 + ": " } ?? "")\(warning)")
                    }
                    predictions.append(prediction)
                } catch {
                    failures += 1
                    standardError("error: \(item.origin.map { $0 + ": " } ?? "")\(error)")
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
            if failures > 0 {
                standardError("\(failures) of \(inputs.items.count) images could not be classified")
                throw ExitCode(1)
            }
        }
    }

    func standardError(_ line: String) { FileHandle.standardError.write((line + "\n").data(using: .utf8)!) }
}
