import CNNNorms
import Foundation

/// `cnntrain bench speed`: this engine and PyTorch on the same model, norm by norm, side by side.
///
/// Every measurement is a separate process (`cnntrain bench train`, `scripts/torch_bench.py`, both
/// handed the measurement as a `SpeedProbe.Settings` file),
/// so each one's peak memory is its own (wait4's ru_maxrss) and no run warms the other's caches.
/// The two engines alternate within every repeat (which goes first alternates too), so slow
/// phases of a shared machine hit both; the table shows medians over the repeats.
public struct SpeedComparison {
    public struct Configuration: Sendable {
        public var norms = NormKind.comparisonOrder
        public var batchSizes = [64]
        public var threadCounts = [2]
        public var repeats = 3
        public var model = "smallcnn"
        public var data: String? = nil
        public var trainImages = 9_600
        public var inferenceBatchSize = 256
        public var inferenceImages = 10_000
        public init() {}
    }

    /// Medians of one engine's repeats.
    public struct Figures: Codable, Sendable {
        public var trainImagesPerSecond: Double
        public var inferenceImagesPerSecond: Double
        public var peakMemoryMiB: Double
        public var repeats: Int
        /// Every repeat's training images/s, to judge the noise.
        public var trainSamples: [Double]
        public var engine: String
    }

    public struct Row: Codable, Sendable {
        public var norm: String
        public var batchSize: Int
        public var threads: Int
        public var cnntrain: Figures?
        public var pytorch: Figures?
        /// Why a side has no figures (a failed child), if one failed.
        public var failures: [String] = []

        public var trainRatio: Double? { ratio(\.trainImagesPerSecond) }
        public var inferenceRatio: Double? { ratio(\.inferenceImagesPerSecond) }
        func ratio(_ figure: KeyPath<Figures, Double>) -> Double? {
            guard let ours = cnntrain, let theirs = pytorch, theirs[keyPath: figure] > 0 else { return nil }
            return ours[keyPath: figure] / theirs[keyPath: figure]
        }
    }

    public let configuration: Configuration
    /// The command lines of the two sides' probes.
    public let commands: any ChildCommands
    /// scripts/torch_bench.py, or nil for no PyTorch column.
    public let torchScript: String?
    public let log: (String) -> Void

    public init(configuration: Configuration, commands: any ChildCommands, torchScript: String?, log: @escaping (String) -> Void) {
        self.configuration = configuration; self.commands = commands; self.torchScript = torchScript; self.log = log
    }

    struct Sample: Decodable {
        var engine: String
        var trainImagesPerSecond: Double
        var inferenceImagesPerSecond: Double
    }

    public func run() throws -> [Row] {
        let c = configuration
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("cnntrain-speed-\(getpid())").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }

        var keys: [(norm: NormKind, batch: Int, threads: Int)] = []
        for threads in c.threadCounts { for batch in c.batchSizes { for norm in c.norms { keys.append((norm, batch, threads)) } } }
        var samples: [Int: [Bool: [(Sample, Double)]]] = [:]   // key index → (is ours) → (sample, peak MiB)
        var failures: [Int: [String]] = [:]
        for repeatIndex in 0..<c.repeats {
            for (index, key) in keys.enumerated() {
                var sides = [true] + (torchScript == nil ? [] : [false])
                if repeatIndex % 2 == 1 { sides.reverse() }
                for ours in sides {
                    let name = ours ? "cnntrain" : "pytorch"
                    let settingsPath = "\(scratch)/settings.json"
                    try settings(key).write(to: settingsPath)
                    let command = ours ? commands.speedProbe(configuration: settingsPath)
                                       : commands.torchSpeedProbe(script: torchScript!, configuration: settingsPath)
                    let out = "\(scratch)/\(name).out", err = "\(scratch)/\(name).err"
                    let outcome = try ChildProcess.run(command, stdout: out, stderr: err)
                    let line = ChildProcess.lastLine(of: out)
                    guard outcome.succeeded, let sample = try? JSONDecoder().decode(Sample.self, from: Data(line.utf8)) else {
                        let reason = "\(name) --norm \(key.norm) batch \(key.batch) threads \(key.threads): " +
                            (outcome.succeeded ? "no result line" : "failed (\(outcome.exitCode.map { "exit \($0)" } ?? "signal \(outcome.signal ?? 0)")): \(ChildProcess.lastLine(of: err))")
                        failures[index, default: []].append(reason)
                        log("  " + reason)
                        continue
                    }
                    samples[index, default: [:]][ours, default: []].append((sample, outcome.peakMemoryMiB))
                    log(String(format: "  repeat %d/%d  %-8@ --norm %-8@ batch %3d threads %d: train %6.0f img/s, inference %6.0f img/s, peak %4.0f MiB",
                               repeatIndex + 1, c.repeats, name, key.norm.rawValue, key.batch, key.threads,
                               sample.trainImagesPerSecond, sample.inferenceImagesPerSecond, outcome.peakMemoryMiB))
                }
            }
        }
        return keys.enumerated().map { index, key in
            func figures(_ ours: Bool) -> Figures? {
                guard let list = samples[index]?[ours], !list.isEmpty else { return nil }
                return Figures(trainImagesPerSecond: Self.median(list.map(\.0.trainImagesPerSecond)),
                               inferenceImagesPerSecond: Self.median(list.map(\.0.inferenceImagesPerSecond)),
                               peakMemoryMiB: Self.median(list.map(\.1)), repeats: list.count,
                               trainSamples: list.map(\.0.trainImagesPerSecond), engine: list[0].0.engine)
            }
            return Row(norm: key.norm.rawValue, batchSize: key.batch, threads: key.threads, cnntrain: figures(true),
                       pytorch: torchScript == nil ? nil : figures(false), failures: failures[index] ?? [])
        }
    }

    /// What both sides measure for `key` (the cnntrain probe's defaults otherwise).
    func settings(_ key: (norm: NormKind, batch: Int, threads: Int)) -> SpeedProbe.Settings {
        let c = configuration
        var settings = SpeedProbe.Settings()
        settings.training.model = c.model
        settings.training.data = c.data
        settings.training.norm = key.norm
        settings.training.batchSize = key.batch
        settings.training.threads = key.threads
        settings.trainImages = c.trainImages
        settings.inferenceBatchSize = c.inferenceBatchSize
        settings.inferenceImages = c.inferenceImages
        return settings
    }

    public static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// The Markdown table of `rows` (PyTorch columns only when measured).
    public static func markdown(_ rows: [Row], inferenceBatchSize: Int) -> String {
        let torch = rows.contains { $0.pytorch != nil }
        func number(_ value: Double?) -> String {
            guard let value else { return "–" }
            let formatter = NumberFormatter()
            formatter.numberStyle = .decimal
            formatter.maximumFractionDigits = 0
            return formatter.string(from: NSNumber(value: value.rounded())) ?? String(format: "%.0f", value)
        }
        func ratio(_ value: Double?) -> String { value.map { String(format: "%.2f×", $0) } ?? "–" }
        var header = "| norm | batch | threads | train img/s cnntrain |"
        var rule = "| --- | ---: | ---: | ---: |"
        if torch { header += " PyTorch | ratio |"; rule += " ---: | ---: |" }
        header += " inference img/s (batch \(inferenceBatchSize)) cnntrain |"; rule += " ---: |"
        if torch { header += " PyTorch | ratio |"; rule += " ---: | ---: |" }
        header += " peak RSS MiB cnntrain |"; rule += " ---: |"
        if torch { header += " PyTorch |"; rule += " ---: |" }
        var lines = [header, rule]
        for row in rows {
            var line = "| \(row.norm) | \(row.batchSize) | \(row.threads) | \(number(row.cnntrain?.trainImagesPerSecond)) |"
            if torch { line += " \(number(row.pytorch?.trainImagesPerSecond)) | \(ratio(row.trainRatio)) |" }
            line += " \(number(row.cnntrain?.inferenceImagesPerSecond)) |"
            if torch { line += " \(number(row.pytorch?.inferenceImagesPerSecond)) | \(ratio(row.inferenceRatio)) |" }
            line += " \(number(row.cnntrain?.peakMemoryMiB)) |"
            if torch { line += " \(number(row.pytorch?.peakMemoryMiB)) |" }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
