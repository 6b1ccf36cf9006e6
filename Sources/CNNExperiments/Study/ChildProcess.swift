import CNNModels
import CNNTraining
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A finished child process: how it ended and its peak resident memory.
public struct ChildOutcome: Sendable {
    /// The exit code, or nil when a signal killed it.
    public var exitCode: Int32?
    public var signal: Int32?
    /// The child's peak resident set size (ru_maxrss of wait4: the child's own VmHWM), in MiB.
    public var peakMemoryMiB: Double

    public var succeeded: Bool { exitCode == 0 }
}

public enum ChildProcess {
    /// Runs `executable` with `arguments`, stdout and stderr written to the given files, and waits
    /// with wait4, whose rusage belongs to this one child: its peak memory is not mixed with the
    /// parent's or with earlier cells' (unlike RUSAGE_CHILDREN, which keeps the largest so far).
    public static func run(_ executable: String, _ arguments: [String], stdout: String, stderr: String) throws
        -> ChildOutcome
    {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw TrainingError(
                "\(executable): cannot start a cell's training run (\(String(cString: strerror(spawned))))")
        }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else {
                throw TrainingError("waiting for a cell's training run failed (\(String(cString: strerror(errno))))")
            }
        }
        let signal = status & 0x7f
        // ru_maxrss is in KiB on Linux.
        let peak = Double(usage.ru_maxrss) / 1024
        return signal == 0
            ? ChildOutcome(exitCode: (status >> 8) & 0xff, signal: nil, peakMemoryMiB: peak)
            : ChildOutcome(exitCode: nil, signal: signal, peakMemoryMiB: peak)
    }

    /// Runs `command` as `run(_:_:stdout:stderr:)` does.
    public static func run(_ command: ChildCommand, stdout: String, stderr: String) throws -> ChildOutcome {
        try run(command.program, command.arguments, stdout: stdout, stderr: stderr)
    }

    /// The path of the running executable (/proc/self/exe), so a study's cells run the same build.
    public static var currentExecutable: String { ExecutablePath.current }

    /// The last non-empty line of a text file ("" when there is none).
    public static func lastLine(of path: String) -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return "" }
        return text.split(whereSeparator: \.isNewline).last.map { String($0).trimmingCharacters(in: .whitespaces) }
            ?? ""
    }
}
