import ArgumentParser
import CNNCore
import CNNData
import CNNTraining
import Foundation
import ImageIO

extension ImageFormat: ExpressibleByArgument {}

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract:
            "Prepare datasets: describe one, export it as PNG/JPEG files, generate the coloured shapes dataset, or manage the decode cache.",
        subcommands: [Export.self, Shapes.self, Info.self, Cache.self])

    /// Where the cache lives, for help texts (read when the help is shown).
    static var cacheHelp: String {
        "Decoded image folders are cached in $CNNTRAIN_CACHE, else $XDG_CACHE_HOME/cnntrain or ~/.cache/cnntrain (here: \(RunDirectory.cacheDirectory)), at most \(formatBytes(DatasetCache.limit)) ($CNNTRAIN_CACHE_LIMIT, e.g. 500M or 4G; 0 turns the cache off); the least recently used entries go first."
    }

    /// The size images are decoded at: given, or (for an image folder) its first image's, bounded.
    struct Geometry: ParsableArguments {
        @Option(help: "Channels to decode to: 1 (gray) or 3 (RGB). Default: the dataset's own.")
        var channels: Int?
        @Option(
            help:
                "Height to decode to (images are scaled to cover it and centre-cropped, as train does). Default: the dataset's own; for an image folder, its first image's, with the longer side at most \(LoadOptions.defaultInspectionSide)."
        )
        var height: Int?
        @Option(help: "Width to decode to. Default: as --height.")
        var width: Int?

        func validate() throws {
            if let channels, ![1, 3].contains(channels) {
                throw ValidationError("--channels \(channels) is not allowed; use 1 or 3")
            }
            try requireAtLeast(1, height, option: "--height")
            try requireAtLeast(1, width, option: "--width")
        }

        func apply(to options: inout LoadOptions) {
            options.channels = channels
            options.height = height
            options.width = width
            options.maxNativeSide = LoadOptions.defaultInspectionSide
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Describe a dataset: splits, classes (images per class), image size, and unreadable files.",
            discussion: DataCommand.cacheHelp)
        @Argument(help: "The dataset (as for train). Default: Fashion-MNIST.")
        var data: String?
        @OptionGroup var geometry: Geometry
        @Flag(help: "Stop on the first unreadable image.")
        var strict = false
        @OptionGroup var threadOptions: ThreadOptions

        func run() throws {
            try runReportingErrors {
                Parallel.setThreadCount(threadOptions.threads)
                var options = LoadOptions()
                geometry.apply(to: &options)
                options.threads = threadOptions.threads
                options.strict = strict
                options.cacheDirectory = RunDirectory.cacheDirectory
                // A tree without a held-out folder is split as train splits it by default.
                options.validationFraction = TrainingOptions().validationFraction
                options.seed = TrainingOptions().seed
                let dataset = try DatasetLoader.load(try DatasetSource.resolve(path: data), options: options)
                print(dataset.summary)
                print("\n| class | train | held out |\n| --- | ---: | ---: |")
                for (index, name) in dataset.classNames.enumerated() {
                    print("| \(name) | \(dataset.train.classCounts[index]) | \(dataset.test.classCounts[index]) |")
                }
                for warning in dataset.warnings { print("warning: \(warning)") }
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Write a dataset as an ImageFolder tree (out/train/<class>/*.png and out/test/…) with the project's own encoder.",
            discussion:
                "The output folder must be new or empty (writing into an earlier tree would mix the two); --force deletes an earlier image tree there first."
        )
        @Option(help: "Source dataset (as for train). Default: Fashion-MNIST.")
        var data: String?
        @Option(help: "Image format: png, jpeg.")
        var format: ImageFormat = .png
        @Option(help: "JPEG quality (1–100).")
        var quality = 95
        @Option(help: "Output folder: new or empty.")
        var out: String
        @Flag(
            help:
                "Delete the contents of a non-empty output folder first (only an image tree: folders and .png/.jpg/.jpeg files)."
        )
        var force = false
        @OptionGroup var geometry: Geometry
        @OptionGroup var threadOptions: ThreadOptions

        func validate() throws {
            guard (1...100).contains(quality) else {
                throw ValidationError("--quality \(quality) is not allowed; use 1 to 100")
            }
        }

        func run() throws {
            try runReportingErrors {
                Parallel.setThreadCount(threadOptions.threads)
                try OutputFolder.check(out, force: force)
                var options = LoadOptions()
                geometry.apply(to: &options)
                options.threads = threadOptions.threads
                let dataset = try DatasetLoader.load(try DatasetSource.resolve(path: data), options: options)
                for warning in dataset.warnings {
                    FileHandle.standardError.write("warning: \(warning)\n".data(using: .utf8)!)
                }
                let deleted = try OutputFolder.prepare(out, force: force)
                if deleted > 0 { print("--force: deleted the \(deleted) image files that were in \(out)") }
                try exportDataset(dataset, root: out, format: format, quality: quality, threads: threadOptions.threads)
                print("wrote \(dataset.train.count) training and \(dataset.test.count) test images to \(out)")
            }
        }
    }

    struct Shapes: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Generate the seeded 32×32 colour shapes dataset (several classes of shapes, colours and textures).",
            discussion: "The output folder must be new or empty; --force deletes an earlier image tree there first.")
        @Option(help: "Output folder: new or empty.")
        var out = "Datasets/generated/shapes"
        @Option(help: "Training images per class (a fifth as many test images are added).")
        var countPerClass = 500
        @Option(help: "Image format: png, jpeg.")
        var format: ImageFormat = .png
        @Option(help: "Random seed.")
        var seed: UInt64 = 1
        @Flag(help: "Delete the contents of a non-empty output folder first (only an image tree).")
        var force = false

        func run() throws {
            try runReportingErrors {
                try OutputFolder.prepare(out, force: force)
                try generateShapesDataset(root: out, countPerClass: countPerClass, seed: seed, format: format)
                print("wrote the shapes dataset to \(out)")
            }
        }
    }

    struct Cache: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List or clear the cache of decoded image folders.",
            discussion: DataCommand.cacheHelp,
            subcommands: [List.self, Clear.self],
            defaultSubcommand: List.self)

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List the cache's entries (dataset, size decoded at, images, bytes, last use).")

            func run() throws {
                let directory = RunDirectory.cacheDirectory
                let entries = DatasetCache.entries(in: directory)
                print("cache: \(directory) (limit \(formatBytes(DatasetCache.limit)))")
                if entries.isEmpty { print("empty"); return }
                let formatter = DateFormatter()
                formatter.dateFormat = "yyyy-MM-dd HH:mm"
                print("\n| dataset | decoded at | images | size | last used |\n| --- | --- | ---: | ---: | --- |")
                for entry in entries {
                    let what =
                        entry.description.map {
                            (
                                $0.root, $0.geometry.split(separator: "|").first.map(String.init) ?? $0.geometry,
                                String($0.imageCount)
                            )
                        }
                        ?? ((entry.path as NSString).lastPathComponent + " (older format, unused)", "–", "–")
                    print(
                        "| \(what.0) | \(what.1) | \(what.2) | \(formatBytes(entry.bytes)) | \(formatter.string(from: entry.lastUsed)) |"
                    )
                }
                print(
                    "\ntotal \(formatBytes(entries.reduce(0) { $0 + $1.bytes })) in \(entries.count) entr\(entries.count == 1 ? "y" : "ies")"
                )
            }
        }

        struct Clear: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Delete every cache entry (the datasets themselves are not touched).")

            func run() throws {
                try runReportingErrors {
                    let directory = RunDirectory.cacheDirectory
                    let removed = try DatasetCache.clear(directory: directory)
                    print(
                        "removed \(removed.count) cache entr\(removed.count == 1 ? "y" : "ies") (\(formatBytes(removed.reduce(0) { $0 + $1.bytes }))) from \(directory)"
                    )
                }
            }
        }
    }
}
