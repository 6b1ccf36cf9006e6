import Foundation
import TestSupport
import XCTest

/// Runs the built `cnntrain` executable (built beside the test bundle by scripts/test.sh).
enum CLI {
    struct Result {
        let status: Int32
        let output: String
        let error: String
    }

    static var executable: URL? {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [
            bundleDirectory.appendingPathComponent("cnntrain"),
            Fixtures.repositoryRoot.appendingPathComponent(".build/release/cnntrain"),
            Fixtures.repositoryRoot.appendingPathComponent(".build/debug/cnntrain")
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    static func run(_ arguments: [String], in directory: URL? = nil, environment extra: [String: String] = [:]) throws
        -> Result
    {
        guard let executable else { throw XCTSkip("cnntrain is not built; run scripts/test.sh") }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory ?? Fixtures.repositoryRoot
        var environment = ProcessInfo.processInfo.environment
        environment["CNNTRAIN_CACHE"] =
            FileManager.default.temporaryDirectory.appendingPathComponent("cnntrain-test-cache").path
        environment.merge(extra) { $1 }
        process.environment = environment
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        // Read both pipes before waiting so a chatty child never blocks on a full pipe.
        // The reader hands its data over under a condition (polling Thread.isFinished is no
        // synchronisation: ThreadSanitizer reported the read of `data` racing with its write).
        final class Box: @unchecked Sendable { let condition = NSCondition(); var data: Data? }
        let errorBox = Box()
        let errorReader = Thread {
            let data = error.fileHandleForReading.readDataToEndOfFile()
            errorBox.condition.lock(); errorBox.data = data; errorBox.condition.signal(); errorBox.condition.unlock()
        }
        errorReader.start()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        errorBox.condition.lock()
        while errorBox.data == nil { errorBox.condition.wait() }
        let errorData = errorBox.data!
        errorBox.condition.unlock()
        return Result(
            status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
            error: String(decoding: errorData, as: UTF8.self))
    }

    /// Starts cnntrain without waiting (its output is discarded).
    static func start(_ arguments: [String], environment extra: [String: String] = [:]) throws -> Process {
        guard let executable else { throw XCTSkip("cnntrain is not built; run scripts/test.sh") }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if !extra.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 } }
        process.currentDirectoryURL = Fixtures.repositoryRoot
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cnntrain-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A small quick training run on the first images of Fashion-MNIST.
    static let quick = [
        "--train-limit", "512", "--test-limit", "256", "--batch-size", "32", "--threads", "2", "--quiet"
    ]
}
