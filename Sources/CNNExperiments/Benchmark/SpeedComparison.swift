import CNNNorms
import CNNTraining
import Foundation

/// `cnntrain bench speed`: this engine and PyTorch on the same model, norm by norm, side by side.
///
/// Every measurement is a separate process (`cnntrain bench train`, `scripts/pytorch/torch_bench.py`, both
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
        /// Medians of images per CPU-second (user + system time of the process, all threads), when
        /// the engine reports them: steadier than images/s on a loaded machine, but a runtime whose
        /// idle threads spin (OpenMP) is charged for the spinning, so compare them at one thread.
        public var trainImagesPerCPUSecond: Double?
        public var inferenceImagesPerCPUSecond: Double?
    }

    public struct Row: Codable, Sendable {
        public var norm: String
        public var batchSize: Int
        public var threads: Int
        public var cnntrain: Figures?
        /// PyTorch with contiguous (NCHW) tensors.
        public var pytorch: Figures?
        /// PyTorch with `channels_last` tensors (model and every batch), nil when not measured.
        public var pytorchChannelsLast: Figures?
        /// Why a side has no figures (a failed child), if one failed.
        public var failures: [String] = []

        /// Ours over the faster PyTorch memory format.
        public var trainRatio: Double? { ratio(\.trainImagesPerSecond) }
        public var inferenceRatio: Double? { ratio(\.inferenceImagesPerSecond) }
        func ratio(_ figure: KeyPath<Figures, Double>) -> Double? {
            let best = [pytorch, pytorchChannelsLast].compactMap { $0?[keyPath: figure] }.max()
            guard let ours = cnntrain, let best, best > 0 else { return nil }
            return ours[keyPath: figure] / best
        }
    }

    public let configuration: Configuration
    /// The command lines of the sides' probes (which Python runs PyTorch is theirs to say).
    public let commands: any ChildCommands
    /// scripts/pytorch/torch_bench.py, or nil for no PyTorch column.
    public let torchScript: String?
    public let log: (String) -> Void

    public init(
        configuration: Configuration, commands: any ChildCommands, torchScript: String?, log: @escaping (String) -> Void
    ) {
        self.configuration = configuration; self.commands = commands; self.torchScript = torchScript; self.log = log
    }

    /// One engine of a comparison: ours, or PyTorch in one memory format.
    enum Side: Int, CaseIterable {
        case cnntrain, pytorch, pytorchChannelsLast
        var name: String { ["cnntrain", "pytorch", "pytorch-cl"][rawValue] }
        var memoryFormat: TorchMemoryFormat { self == .pytorchChannelsLast ? .channelsLast : .contiguous }
    }

    struct Sample: Decodable {
        var engine: String
        var trainImagesPerSecond: Double
        var inferenceImagesPerSecond: Double
        var trainImagesPerCPUSecond: Double?
        var inferenceImagesPerCPUSecond: Double?
    }

    public func run() throws -> [Row] {
        let c = configuration
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("cnntrain-speed-\(getpid())").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }

        var keys: [(norm: NormKind, batch: Int, threads: Int)] = []
        for threads in c.threadCounts {
            for batch in c.batchSizes { for norm in c.norms { keys.append((norm, batch, threads)) } }
        }
        var samples: [Int: [Side: [(Sample, Double)]]] = [:]  // key index → engine → (sample, peak MiB)
        var failures: [Int: [String]] = [:]
        for repeatIndex in 0..<c.repeats {
            for (index, key) in keys.enumerated() {
                var sides: [Side] = torchScript == nil ? [.cnntrain] : Side.allCases
                if repeatIndex % 2 == 1 { sides.reverse() }
                for side in sides {
                    let name = side.name
                    let settingsPath = "\(scratch)/settings.json"
                    try settings(key).write(to: settingsPath)
                    let command =
                        side == .cnntrain
                        ? commands.speedProbe(configuration: settingsPath)
                        : commands.torchSpeedProbe(
                            script: torchScript!, configuration: settingsPath, memoryFormat: side.memoryFormat)
                    let out = "\(scratch)/\(name).out", err = "\(scratch)/\(name).err"
                    let outcome = try ChildProcess.run(command, stdout: out, stderr: err)
                    let line = ChildProcess.lastLine(of: out)
                    guard outcome.succeeded, let sample = try? JSONDecoder().decode(Sample.self, from: Data(line.utf8))
                    else {
                        let reason =
                            "\(name) --norm \(key.norm) batch \(key.batch) threads \(key.threads): "
                            + (outcome.succeeded
                                ? "no result line"
                                : "failed (\(outcome.exitCode.map { "exit \($0)" } ?? "signal \(outcome.signal ?? 0)")): \(ChildProcess.lastLine(of: err))")
                        failures[index, default: []].append(reason)
                        log("  " + reason)
                        continue
                    }
                    samples[index, default: [:]][side, default: []].append((sample, outcome.peakMemoryMiB))
                    log(
                        String(
                            format:
                                "  repeat %d/%d  %-10@ --norm %-8@ batch %3d threads %d: train %6.0f img/s, inference %6.0f img/s, peak %4.0f MiB",
                            repeatIndex + 1, c.repeats, name, key.norm.rawValue, key.batch, key.threads,
                            sample.trainImagesPerSecond, sample.inferenceImagesPerSecond, outcome.peakMemoryMiB))
                }
            }
        }
        return keys.enumerated().map { index, key in
            func figures(_ side: Side) -> Figures? {
                guard let list = samples[index]?[side], !list.isEmpty else { return nil }
                return Figures(
                    trainImagesPerSecond: median(list.map(\.0.trainImagesPerSecond)),
                    inferenceImagesPerSecond: median(list.map(\.0.inferenceImagesPerSecond)),
                    peakMemoryMiB: median(list.map(\.1)), repeats: list.count,
                    trainSamples: list.map(\.0.trainImagesPerSecond), engine: list[0].0.engine,
                    trainImagesPerCPUSecond: Self.optionalMedian(list.map(\.0.trainImagesPerCPUSecond)),
                    inferenceImagesPerCPUSecond: Self.optionalMedian(list.map(\.0.inferenceImagesPerCPUSecond)))
            }
            return Row(
                norm: key.norm.rawValue, batchSize: key.batch, threads: key.threads, cnntrain: figures(.cnntrain),
                pytorch: torchScript == nil ? nil : figures(.pytorch),
                pytorchChannelsLast: torchScript == nil ? nil : figures(.pytorchChannelsLast),
                failures: failures[index] ?? [])
        }
    }

    /// What every side measures for `key` (the cnntrain probe's defaults otherwise).
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

    /// The median when every value is there, else nil.
    static func optionalMedian(_ values: [Double?]) -> Double? {
        let present = values.compactMap { $0 }
        return present.count == values.count && !present.isEmpty ? median(present) : nil
    }

    /// Images per CPU-second, ours and PyTorch's (both formats), with the ratio to the faster; nil
    /// when no row has them on every side.
    public static func cpuMarkdown(_ rows: [Row]) -> String? {
        let complete = rows.filter {
            $0.cnntrain?.trainImagesPerCPUSecond != nil && $0.pytorch?.trainImagesPerCPUSecond != nil
        }
        guard !complete.isEmpty else { return nil }
        func number(_ value: Double?) -> String { value.map { fixed($0, digits: 0) } ?? "–" }
        func ratio(_ ours: Double?, _ theirs: [Double?]) -> String {
            guard let ours, let best = theirs.compactMap({ $0 }).max(), best > 0 else { return "–" }
            return fixed(ours / best, digits: 2) + "×"
        }
        var lines = [
            "| norm | batch | threads | train img per CPU-s cnntrain | PyTorch | channels_last | ratio | inference cnntrain | PyTorch | channels_last | ratio |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
        ]
        for row in complete {
            let train = [row.pytorch?.trainImagesPerCPUSecond, row.pytorchChannelsLast?.trainImagesPerCPUSecond]
            let inference = [
                row.pytorch?.inferenceImagesPerCPUSecond, row.pytorchChannelsLast?.inferenceImagesPerCPUSecond
            ]
            lines.append(
                "| \(row.norm) | \(row.batchSize) | \(row.threads) | \(number(row.cnntrain?.trainImagesPerCPUSecond)) | "
                    + "\(number(train[0])) | \(number(train[1])) | \(ratio(row.cnntrain?.trainImagesPerCPUSecond, train)) | "
                    + "\(number(row.cnntrain?.inferenceImagesPerCPUSecond)) | \(number(inference[0])) | \(number(inference[1])) | "
                    + "\(ratio(row.cnntrain?.inferenceImagesPerCPUSecond, inference)) |")
        }
        return lines.joined(separator: "\n")
    }

    /// The Markdown table of `rows` (PyTorch columns only when measured; the ratio is ours over the
    /// faster PyTorch memory format).
    public static func markdown(_ rows: [Row], inferenceBatchSize: Int) -> String {
        let torch = rows.contains { $0.pytorch != nil }
        func number(_ value: Double?) -> String {
            guard let value else { return "–" }
            let formatter = NumberFormatter()
            formatter.numberStyle = .decimal
            formatter.maximumFractionDigits = 0
            return formatter.string(from: NSNumber(value: value.rounded())) ?? fixed(value, digits: 0)
        }
        func ratio(_ value: Double?) -> String { value.map { fixed($0, digits: 2) + "×" } ?? "–" }
        let engine = rows.lazy.compactMap { $0.pytorch?.engine ?? $0.pytorchChannelsLast?.engine }.first
        let version = engine.map { $0.replacingOccurrences(of: "pytorch ", with: "") } ?? ""
        let torchNames = ["PyTorch \(version)", "\(version) channels_last"]
        var header = "| norm | batch | threads | train img/s cnntrain |"
        var rule = "| --- | ---: | ---: | ---: |"
        if torch { header += " \(torchNames[0]) | \(torchNames[1]) | ratio |"; rule += " ---: | ---: | ---: |" }
        header += " inference img/s (batch \(inferenceBatchSize)) cnntrain |"; rule += " ---: |"
        if torch { header += " \(torchNames[0]) | \(torchNames[1]) | ratio |"; rule += " ---: | ---: | ---: |" }
        header += " peak RSS MiB cnntrain |"; rule += " ---: |"
        if torch { header += " \(torchNames[0]) | \(torchNames[1]) |"; rule += " ---: | ---: |" }
        var lines = [header, rule]
        for row in rows {
            var line =
                "| \(row.norm) | \(row.batchSize) | \(row.threads) | \(number(row.cnntrain?.trainImagesPerSecond)) |"
            if torch {
                line +=
                    " \(number(row.pytorch?.trainImagesPerSecond)) | \(number(row.pytorchChannelsLast?.trainImagesPerSecond)) | \(ratio(row.trainRatio)) |"
            }
            line += " \(number(row.cnntrain?.inferenceImagesPerSecond)) |"
            if torch {
                line +=
                    " \(number(row.pytorch?.inferenceImagesPerSecond)) | \(number(row.pytorchChannelsLast?.inferenceImagesPerSecond)) | \(ratio(row.inferenceRatio)) |"
            }
            line += " \(number(row.cnntrain?.peakMemoryMiB)) |"
            if torch {
                line += " \(number(row.pytorch?.peakMemoryMiB)) | \(number(row.pytorchChannelsLast?.peakMemoryMiB)) |"
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
