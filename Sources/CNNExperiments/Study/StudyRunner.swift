import CNNCore
import CNNModels
import CNNNorms
import CNNTraining
import Foundation

/// Runs the cells of a study, each as a child process `cnntrain train` on the cell's configuration
/// file (`<study>/cells/<id>/cell.json`, a TrainingOptions) into `<study>/cells/<id>`, quietly,
/// so each cell has its own peak memory and a crash or divergence in one cell cannot end the study.
/// A cell whose summary.json exists is kept, not run again: an interrupted study resumes.
public struct StudyRunner {
    public var settings: StudySettings
    public var plan: StudyPlan
    public var directory: String
    public var threads: Int
    /// The command lines of the cells (cnntrain) and of their PyTorch twins.
    public var commands: any ChildCommands
    /// `scripts/pytorch/torch_train.py` when the PyTorch column is asked for.
    public var torchScript: String?
    public var log: (String) -> Void

    public init(
        settings: StudySettings, plan: StudyPlan, directory: String, threads: Int, commands: any ChildCommands,
        torchScript: String? = nil, log: @escaping (String) -> Void
    ) {
        self.settings = settings; self.plan = plan; self.directory = directory; self.threads = threads
        self.commands = commands; self.torchScript = torchScript; self.log = log
    }

    public func cellDirectory(_ cell: StudyCell) -> String { directory + "/cells/" + cell.id }

    /// Creates the study folder, or checks that an existing one was made with the same settings.
    public func prepare() throws {
        let fileManager = FileManager.default
        do {
            try fileManager.createDirectory(atPath: directory + "/cells", withIntermediateDirectories: true)
        } catch {
            throw TrainingError("--out \(directory): cannot create the study directory (\(error.localizedDescription))")
        }
        let path = directory + "/study.json"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        if let data = fileManager.contents(atPath: path) {
            let saved = try? JSONDecoder().decode(StudySettings.self, from: data)
            guard saved == settings else {
                throw TrainingError(
                    "--out \(directory) holds a study made with other settings (\(path): \(String(decoding: data, as: UTF8.self).split(separator: "\n").joined(separator: " "))); use another --out, or the same --model, --data, --epochs, --groups, --norm-position, --train-limit, --test-limit, --activation, --dropout, --conv-bias and --init-gain"
                )
            }
        } else {
            try AtomicFile.write(try encoder.encode(settings), to: path)
        }
    }

    /// The run configuration of a cell (`StudySettings.options(for:threads:)`) with this runner's threads.
    public func trainingOptions(_ cell: StudyCell) throws -> TrainingOptions {
        try settings.options(for: cell, threads: threads)
    }

    /// The cell's configuration file, written into its folder before its run starts.
    public func configurationPath(_ cell: StudyCell) -> String { cellDirectory(cell) + "/cell.json" }

    /// A cell's command, launched as a W-process job when `settings.processes` W > 1:
    /// `mpirun -np W --bind-to none [--oversubscribe] [--allow-run-as-root] <command>`.
    public func cellCommand(_ command: ChildCommand) throws -> ChildCommand {
        guard let processes = settings.processes, processes > 1 else { return command }
        guard let mpirun = Self.findMPIRun() else {
            throw TrainingError(
                "--processes \(processes) needs Open MPI's mpirun, which is not on PATH; install it with scripts/setup.sh (openmpi-bin)"
            )
        }
        var launcher = ["-np", String(processes), "--bind-to", "none"]
        if processes > ProcessInfo.processInfo.activeProcessorCount { launcher.append("--oversubscribe") }
        if geteuid() == 0 { launcher.append("--allow-run-as-root") }
        return ChildCommand(program: mpirun, arguments: launcher + [command.program] + command.arguments)
    }

    static func findMPIRun() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { $0 + "/mpirun" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    /// Runs (or keeps) every cell in order and returns one result per cell, failed ones included.
    public func run() throws -> [CellResult] {
        try prepare()
        let cells = plan.cells
        var results: [CellResult] = []
        for (index, cell) in cells.enumerated() {
            let prefix = "[\(index + 1)/\(cells.count)] \(cell.id):"
            var result = try runCell(cell, prefix: prefix)
            try stopIfAsked(finished: index + (result.succeeded ? 1 : 0), of: cells.count)
            if let torchScript { runTorch(cell, script: torchScript, into: &result, prefix: prefix) }
            try stopIfAsked(finished: index + 1, of: cells.count)
            results.append(result)
        }
        return results
    }

    /// Ctrl-C reaches the running cell too (same process group), which stops and exits 130: the
    /// study stops after it rather than record it as failed. Finished cells are kept for the rerun.
    func stopIfAsked(finished: Int, of total: Int) throws {
        guard let signal = StopRequest.received else { return }
        throw TrainingInterrupted(
            signal: signal,
            message:
                "study stopped by \(TrainingInterrupted.name(signal)) with \(finished) of \(total) cells finished; they are kept in \(directory)/cells: run the same command again to go on"
        )
    }

    func runCell(_ cell: StudyCell, prefix: String) throws -> CellResult {
        let folder = cellDirectory(cell)
        let summaryPath = folder + "/summary.json"
        let resourcesPath = folder + "/resources.json"
        struct Resources: Codable { var peakMemoryMiB: Double }
        if let data = FileManager.default.contents(atPath: summaryPath),
            let summary = try? JSONDecoder().decode(TrainingSummary.self, from: data)
        {
            var result = CellResult(cell: cell, status: "ok", kept: true)
            result.fill(from: summary)
            result.wallSeconds = Self.wallSeconds(folder: folder)
            result.peakMemoryMiB =
                FileManager.default.contents(atPath: resourcesPath)
                .flatMap { try? JSONDecoder().decode(Resources.self, from: $0) }?.peakMemoryMiB
            log("\(prefix) kept (finished earlier): test accuracy \(percent(summary.finalTestAccuracy))")
            return result
        }
        // A cell without a summary never finished: start it again from nothing.
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        log("\(prefix) training…")
        let start = monotonicNanoseconds()
        try trainingOptions(cell).write(to: configurationPath(cell))
        let command = try cellCommand(commands.train(configuration: configurationPath(cell), runDirectory: folder))
        let outcome = try ChildProcess.run(command, stdout: folder + "/stdout.log", stderr: folder + "/stderr.log")
        let elapsed = seconds(since: start)
        if outcome.succeeded, let data = FileManager.default.contents(atPath: summaryPath),
            let summary = try? JSONDecoder().decode(TrainingSummary.self, from: data)
        {
            var result = CellResult(cell: cell, status: "ok")
            result.fill(from: summary)
            result.wallSeconds = elapsed
            result.peakMemoryMiB = outcome.peakMemoryMiB
            try AtomicFile.write(
                try JSONEncoder().encode(Resources(peakMemoryMiB: outcome.peakMemoryMiB)), to: resourcesPath)
            log(
                "\(prefix) test accuracy \(percent(summary.finalTestAccuracy)) in \(fixed(elapsed, digits: 1)) s, peak \(String(format: "%.0f", outcome.peakMemoryMiB)) MiB"
            )
            return result
        }
        var reason = ChildProcess.lastLine(of: folder + "/stderr.log")
        if reason.hasPrefix("error: ") { reason.removeFirst("error: ".count) }
        if let signal = outcome.signal {
            reason = "killed by signal \(signal)" + (reason.isEmpty ? "" : " (\(reason))")
        } else if reason.isEmpty {
            reason =
                outcome.succeeded
                ? "the run wrote no summary.json" : "exit status \(outcome.exitCode ?? -1) with no message"
        }
        log("\(prefix) FAILED: \(reason)")
        var result = CellResult(cell: cell, status: "failed", error: reason)
        result.peakMemoryMiB = outcome.peakMemoryMiB
        return result
    }

    /// A finished cell's wall-clock time: from its cell.json (written just before its run started)
    /// to its summary.json (written as it ended), so kept cells count too.
    static func wallSeconds(folder: String) -> Double? {
        func modified(_ name: String) -> Date? {
            (try? FileManager.default.attributesOfItem(atPath: folder + "/" + name))?[.modificationDate] as? Date
        }
        guard let start = modified("cell.json"), let end = modified("summary.json") else { return nil }
        return max(end.timeIntervalSince(start), 0)
    }

    /// PyTorch on the same recipe (scripts/pytorch/torch_train.py); its failure is noted, never fatal.
    func runTorch(_ cell: StudyCell, script: String, into result: inout CellResult, prefix: String) {
        let folder = cellDirectory(cell)
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let jsonPath = folder + "/torch.json"
        struct TorchResult: Decodable { var final_test_accuracy: Double }
        func read() -> Double? {
            FileManager.default.contents(atPath: jsonPath).flatMap {
                try? JSONDecoder().decode(TorchResult.self, from: $0)
            }?.final_test_accuracy
        }
        if let accuracy = read() { result.torchTestAccuracy = accuracy; return }
        let configuration = configurationPath(cell)
        log("\(prefix) PyTorch…")
        do {
            try trainingOptions(cell).write(to: configuration)
            let command = commands.torchTrain(script: script, configuration: configuration, result: jsonPath)
            let outcome = try ChildProcess.run(
                command, stdout: folder + "/torch-stdout.log", stderr: folder + "/torch-stderr.log")
            if outcome.succeeded, let accuracy = read() {
                result.torchTestAccuracy = accuracy
                log("\(prefix) PyTorch test accuracy \(percent(accuracy))")
            } else {
                result.torchError = ChildProcess.lastLine(of: folder + "/torch-stderr.log")
                log("\(prefix) PyTorch failed: \(result.torchError ?? "")")
            }
        } catch {
            result.torchError = "\(error)"
        }
    }

    func percent(_ value: Double) -> String { String(format: "%.2f%%", value * 100) }
}
