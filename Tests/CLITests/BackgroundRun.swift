import Foundation
import XCTest

/// A `cnntrain` started without waiting, its stderr kept in a file: for tests that signal a run
/// or start several at once.
final class BackgroundRun {
    let process = Process()
    let errorFile: URL

    init(_ arguments: [String], in directory: URL, environment extra: [String: String] = [:]) throws {
        guard let executable = CLI.executable else { throw XCTSkip("cnntrain is not built; run scripts/test.sh") }
        errorFile = directory.appendingPathComponent(".stderr-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["CNNTRAIN_CACHE"] =
            FileManager.default.temporaryDirectory.appendingPathComponent("cnntrain-test-cache").path
        environment.merge(extra) { $1 }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
    }

    /// Waits (up to `seconds`) until `condition` holds or the process ends; returns whether it holds.
    func wait(seconds: Double, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline, process.isRunning, !condition() { usleep(5_000) }
        return condition()
    }

    /// Waits for the end; returns the exit status and stderr.
    func finish() -> (status: Int32, error: String) {
        process.waitUntilExit()
        let error = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: errorFile)
        return (process.terminationStatus, error)
    }
}
