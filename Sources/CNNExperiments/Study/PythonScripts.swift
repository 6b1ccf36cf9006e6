import CNNTraining
import Foundation

/// The Python side of studies and speed comparisons: finding `scripts/…`, asking
/// `/usr/bin/python3` whether it has a module, running a script.
public enum PythonScripts {
    /// Debian's Python, for the plots (python3-matplotlib); PyTorch scripts take `PythonInterpreter`.
    public static let interpreter = PythonInterpreter.systemPath

    /// scripts/<name> under the working directory, else beside the executable's repository (.build/…/cnntrain).
    public static func find(_ name: String, executable: String) -> String? {
        var candidates = [FileManager.default.currentDirectoryPath + "/scripts/" + name]
        var folder = URL(fileURLWithPath: executable).deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(folder.appendingPathComponent("scripts/" + name).path)
            folder = folder.deletingLastPathComponent()
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Whether `import module` works in Debian's Python (the plots' interpreter).
    public static func has(module: String) -> Bool {
        PythonInterpreter.has(module, python: interpreter)
    }

    /// Runs `script` with `arguments` (output to this process's) and returns its exit status.
    public static func run(_ script: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: interpreter)
        process.arguments = [script] + arguments
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Draws the plots of a study folder with `scripts/<name>` (which needs matplotlib).
    /// - Returns: nil when they were drawn, else a line that says why not and what to run.
    public static func drawPlots(_ name: String, directory: String, executable: String) -> String? {
        guard let script = find(name, executable: executable) else {
            return
                "plots: scripts/\(name) not found; run it from the repository: \(interpreter) scripts/\(name) \(directory)"
        }
        let command = "\(interpreter) \(shellQuoted(script)) \(shellQuoted(directory))"
        guard has(module: "matplotlib") else {
            return "plots: \(interpreter) has no matplotlib (apt-get install python3-matplotlib); then run: \(command)"
        }
        do {
            return try run(script, [directory]) == 0 ? nil : "plots: the plot script failed; run: \(command)"
        } catch {
            return "plots: cannot run \(interpreter) (\(error)); run: \(command)"
        }
    }

    /// `text` as one shell word: as it is when that is safe, else in single quotes.
    public static func shellQuoted(_ text: String) -> String {
        let safe = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_./,=:+@%"))
        if !text.isEmpty && text.unicodeScalars.allSatisfy(safe.contains) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
