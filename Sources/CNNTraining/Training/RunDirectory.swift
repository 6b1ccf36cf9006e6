import CNNData
import CNNModels
import Foundation

/// The folder of one training run: `config.json` (the resolved options and model), `metrics.csv`
/// (one line per epoch), `summary.json`, `checkpoint.safetensors` (the last completed epoch) and
/// `best.safetensors` (the epoch with the best test accuracy).
///
/// A run is never overwritten by accident: a folder that already holds a run is refused unless the
/// run continues it (`--resume`) or replaces it (`--force`), and default names are claimed with an
/// atomic `mkdir`, so runs started in the same second get `…-2`, `…-3`.
public struct RunDirectory {
    /// What may be done with a folder that already holds a run.
    public enum Policy: Sendable {
        /// `--out DIR`: a new run; an existing run there is refused.
        case new
        /// `--out DIR --force`: a new run that replaces an existing one (its files are removed first).
        case replace
        /// `--resume`: the same run goes on.
        case continueRun
        /// No `--out`: `path` is a base name; the first free one of `path`, `path-2`, `path-3`, … is claimed.
        case uniqueName
    }

    public private(set) var path: String
    public let policy: Policy
    public var checkpointPath: String { path + "/checkpoint.safetensors" }
    public var bestCheckpointPath: String { path + "/best.safetensors" }
    public var metricsPath: String { path + "/metrics.csv" }
    public var configPath: String { path + "/config.json" }

    /// The files a run writes: their presence marks a folder as holding a run.
    public static let runFiles = [
        "config.json", "checkpoint.safetensors", "best.safetensors", "metrics.csv", "summary.json", "profile.json"
    ]

    public init(path: String, policy: Policy = .new) { self.path = path; self.policy = policy }

    /// `runs/<date>-<time>-<model>-<norm>` under the working directory (a base name: see `Policy.uniqueName`).
    public static func defaultPath(model: String, norm: String) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return
            "runs/\(formatter.string(from: Date()))-\(URL(fileURLWithPath: model).deletingPathExtension().lastPathComponent)-\(norm)"
    }

    /// True when `path` is a folder holding any of a run's files.
    public static func holdsRun(_ path: String) -> Bool {
        runFiles.contains { FileManager.default.fileExists(atPath: path + "/" + $0) }
            || ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).contains {
                $0.hasPrefix("optimizer-epoch")
            }
    }

    /// Where decoded datasets are cached: `$CNNTRAIN_CACHE`, else `$XDG_CACHE_HOME/cnntrain` or `~/.cache/cnntrain`.
    public static var cacheDirectory: String {
        ProcessInfo.processInfo.environment["CNNTRAIN_CACHE"] ?? LoadOptions.defaultCacheDirectory
    }

    /// `--resume` and `--init` take a checkpoint file or a run directory holding one.
    public static func checkpointPath(forResume path: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TrainingError("\(path): no such checkpoint or run directory")
        }
        return isDirectory.boolValue ? path + "/checkpoint.safetensors" : path
    }

    /// Claims the folder (see `Policy`) and proves it is writable before any training starts;
    /// writes config.json. When resuming into the same folder, keeps metrics.csv in step with the checkpoint.
    public mutating func prepare(options: TrainingOptions, model: ResolvedModel) throws {
        switch policy {
        case .uniqueName:
            path = try Self.claimUniqueFolder(base: path)
        case .new:
            if Self.holdsRun(path) {
                throw TrainingError(
                    "--out \(path) already holds a run (\(Self.runFiles.filter { FileManager.default.fileExists(atPath: path + "/" + $0) }.joined(separator: ", "))); continue it with `cnntrain --resume \(path)`, replace it with --force, or choose another --out"
                )
            }
        case .replace:
            removeRunFiles()
        case .continueRun:
            break
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw TrainingError("--out \(path): cannot create the run directory (\(error.localizedDescription))")
        }
        let probe = path + "/.write-test"
        guard FileManager.default.createFile(atPath: probe, contents: Data(count: 4096)) else {
            throw TrainingError("--out \(path): the run directory is not writable (or the disk is full)")
        }
        try? FileManager.default.removeItem(atPath: probe)
        removeStaleTemporaryFiles()
        try writeJSON(RunConfig(options: options, model: model), to: configPath)
    }

    /// config.json: what a run was started with (read back by `--resume` when no epoch finished).
    public struct RunConfig: Codable {
        public let options: TrainingOptions
        public let model: ResolvedModel
    }

    /// config.json of a run folder that has no checkpoint yet (a run stopped in its first epoch), else nil.
    public static func configWithoutCheckpoint(_ path: String) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue,
            !FileManager.default.fileExists(atPath: path + "/checkpoint.safetensors"),
            FileManager.default.fileExists(atPath: path + "/config.json")
        else { return nil }
        return path + "/config.json"
    }

    public static func readConfig(_ path: String) throws -> RunConfig {
        guard let data = FileManager.default.contents(atPath: path) else { throw TrainingError("\(path): cannot read") }
        do {
            return try JSONDecoder().decode(RunConfig.self, from: data)
        } catch {
            throw TrainingError("\(path): not a run's config.json (\(error)); start a new run instead of --resume")
        }
    }

    /// Creates the first of `base`, `base-2`, `base-3`, … that does not exist yet. `mkdir` fails when
    /// the folder exists, so two runs started at the same moment never share one.
    static func claimUniqueFolder(base: String) throws -> String {
        let parent = (base as NSString).deletingLastPathComponent
        if !parent.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
            } catch {
                throw TrainingError(
                    "\(parent): cannot create the folder for runs (\(error.localizedDescription)); choose a folder with --out"
                )
            }
        }
        for index in 1...10_000 {
            let candidate = index == 1 ? base : "\(base)-\(index)"
            if mkdir(candidate, 0o755) == 0 { return candidate }
            guard errno == EEXIST else {
                throw TrainingError(
                    "\(candidate): cannot create the run directory (\(String(cString: strerror(errno)))); choose a folder with --out"
                )
            }
        }
        throw TrainingError("\(base): 10,000 runs of that name exist already; choose a folder with --out")
    }

    /// `--force`: removes the files of the run this folder held (and nothing else of the folder).
    func removeRunFiles() {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        where Self.runFiles.contains(name) || (name.hasPrefix("optimizer-epoch") && name.hasSuffix(".safetensors")) {
            try? FileManager.default.removeItem(atPath: path + "/" + name)
        }
    }

    /// Removes the temporary files (`.<name>.tmp-<pid>…`) of atomic writes whose process is gone:
    /// what a run killed in the middle of writing a checkpoint leaves behind.
    func removeStaleTemporaryFiles() {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] where name.hasPrefix(".") {
            guard let marker = name.range(of: ".tmp-") else { continue }
            guard let pid = Int32(name[marker.upperBound...].prefix(while: \.isNumber)), pid > 0 else { continue }
            if pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(atPath: path + "/" + name)
            }
        }
    }

    /// Refuses to start a run whose file system has less free space than its checkpoints need
    /// (`bytes`), so that a full disk is reported before training rather than after the first epoch.
    /// An unknown free space (statvfs fails) is not an error: the writes report it then.
    public func checkFreeSpace(needed bytes: Int) throws {
        var status = statvfs()
        guard statvfs(path, &status) == 0 else { return }
        let available = Int(status.f_bavail) * Int(status.f_frsize)
        guard available < bytes else { return }
        func megabytes(_ count: Int) -> String { String(format: "%.1f MB", Double(count) / 1_048_576) }
        throw TrainingError(
            "--out \(path): only \(megabytes(available)) free on its file system, but writing the checkpoints needs about \(megabytes(bytes)) (each is written beside the previous one before replacing it); free some space or choose another --out"
        )
    }

    /// Rewrites metrics.csv with the run's whole history (so a resumed run has one consistent file).
    public func writeMetrics(_ history: [EpochRecord]) throws {
        let text = ([EpochRecord.csvHeader] + history.map(\.csvLine)).joined(separator: "\n") + "\n"
        try AtomicFile.write(Data(text.utf8), to: metricsPath)
    }

    public func writeSummary(_ summary: TrainingSummary) throws {
        try writeJSON(summary, to: path + "/summary.json")
    }

    /// profile.json of `--profile`.
    public func writeProfile(_ report: ProfileReport) throws {
        try writeJSON(report, to: path + "/profile.json")
    }

    func writeJSON<T: Encodable>(_ value: T, to file: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(value), to: file)
    }
}

/// Writes a file so that readers see the old or the new contents, never a part:
/// temporary file in the same folder, fsync, rename over the target, fsync the folder.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary =
            (directory.isEmpty ? "." : directory) + "/.\((path as NSString).lastPathComponent).tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw TrainingError("\(path): cannot write (\(String(cString: strerror(errno))))")
        }
        var written = 0
        let ok = data.withUnsafeBytes { raw -> Bool in
            while written < raw.count {
                let n = Foundation.write(descriptor, raw.baseAddress! + written, raw.count - written)
                if n <= 0 { return false }
                written += n
            }
            return fsync(descriptor) == 0
        }
        let error = errno
        close(descriptor)
        guard ok else {
            unlink(temporary)
            throw TrainingError(
                "\(path): write failed (\(String(cString: strerror(error)))); the previous file is unchanged")
        }
        guard rename(temporary, path) == 0 else {
            let error = errno
            unlink(temporary)
            throw TrainingError("\(path): cannot replace (\(String(cString: strerror(error))))")
        }
        let directoryDescriptor = open(directory.isEmpty ? "." : directory, O_RDONLY)
        if directoryDescriptor >= 0 { fsync(directoryDescriptor); close(directoryDescriptor) }
    }
}
