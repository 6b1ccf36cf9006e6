import ArgumentParser
import CNNCore
import CNNData
import CNNTraining
import Foundation

extension ImageFileFormat: ExpressibleByArgument {}

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Prepare datasets: export a dataset as PNG/JPEG files, or generate the coloured shapes dataset.",
        subcommands: [Export.self, Shapes.self, Info.self])

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Describe a dataset: splits, classes, image size, and unreadable files.")
        @Argument(help: "The dataset (as for train). Default: Fashion-MNIST.")
        var data: String?
        @Flag(help: "Stop on the first unreadable image.")
        var strict = false
        @OptionGroup var threadOptions: ThreadOptions

        func run() throws {
            try runReportingErrors {
                Parallel.setThreadCount(threadOptions.threads)
                var options = LoadOptions()
                options.threads = threadOptions.threads
                options.strict = strict
                options.cacheDirectory = RunDirectory.cacheDirectory
                let dataset = try DatasetLoader.load(try DatasetSource.resolve(path: data), options: options)
                print(dataset.summary)
                for warning in dataset.warnings { print("warning: \(warning)") }
            }
        }
    }


    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a dataset as an ImageFolder tree (out/train/<class>/*.png and out/test/…) with the project's own encoder.")
        @Option(help: "Source dataset (as for train). Default: Fashion-MNIST.")
        var data: String?
        @Option(help: "Image format: png, jpeg.")
        var format: ImageFileFormat = .png
        @Option(help: "JPEG quality (1–100).")
        var quality = 95
        @Option(help: "Output folder.")
        var out: String
        @OptionGroup var threadOptions: ThreadOptions

        func validate() throws {
            guard (1...100).contains(quality) else { throw ValidationError("--quality \(quality) is not allowed; use 1 to 100") }
        }

        func run() throws {
            try runReportingErrors {
                Parallel.setThreadCount(threadOptions.threads)
                var options = LoadOptions()
                options.threads = threadOptions.threads
                let dataset = try DatasetLoader.load(try DatasetSource.resolve(path: data), options: options)
                try exportDataset(dataset, root: out, format: format, quality: quality, threads: threadOptions.threads)
                print("wrote \(dataset.train.count) training and \(dataset.test.count) test images to \(out)")
            }
        }
    }

    struct Shapes: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate the seeded 32×32 colour shapes dataset (several classes of shapes, colours and textures).")
        @Option(help: "Output folder.")
        var out = "Datasets/generated/shapes"
        @Option(help: "Training images per class (a fifth as many test images are added).")
        var countPerClass = 500
        @Option(help: "Image format: png, jpeg.")
        var format: ImageFileFormat = .png
        @Option(help: "Random seed.")
        var seed: UInt64 = 1

        func run() throws {
            try runReportingErrors {
                try generateShapesDataset(root: out, countPerClass: countPerClass, seed: seed, format: format)
                print("wrote the shapes dataset to \(out)")
            }
        }
    }
}
