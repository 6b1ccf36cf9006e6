import Foundation
import TestSupport
import XCTest

/// Ctrl-C (SIGINT) and SIGTERM stop a run between two steps: it says which epoch's checkpoint was
/// kept and how to resume, exits 130 or 143, and `--resume` then finishes the run, also when it was
/// stopped before its first checkpoint.
final class StopSignalTests: XCTestCase {
    static let recipe = [
        "--norm", "batch", "--seed", "3", "--epochs", "3", "--train-limit", "2048", "--test-limit", "128",
        "--batch-size", "32", "--threads", "2", "--quiet"
    ]

    func lines(_ file: URL) -> Int {
        ((try? String(contentsOf: file, encoding: .utf8))?.split(separator: "\n").count) ?? 0
    }

    func testSIGINTAfterTheFirstEpochKeepsItsCheckpointAndSaysHowToResume() throws {
        let directory = try CLI.temporaryDirectory()
        let out = directory.appendingPathComponent("run")
        let run = try BackgroundRun(Self.recipe + ["--out", out.path], in: directory)
        let metrics = out.appendingPathComponent("metrics.csv")
        XCTAssertTrue(run.wait(seconds: 180) { lines(metrics) >= 2 }, "the first epoch never finished")
        XCTAssertTrue(run.process.isRunning, "the run finished before it could be interrupted")
        kill(run.process.processIdentifier, SIGINT)
        let (status, error) = run.finish()
        XCTAssertEqual(run.process.terminationReason, .exit, "the run must end itself, not die of the signal")
        XCTAssertEqual(status, 130, error)
        XCTAssertTrue(error.contains("stopped by SIGINT (Ctrl-C) in epoch 2/3"), error)
        XCTAssertTrue(error.contains("checkpoint of epoch 1 is kept"), error)
        XCTAssertTrue(error.contains("cnntrain --resume \(out.path)"), error)

        let resumed = try CLI.run(["--resume", out.path, "--quiet"])
        XCTAssertEqual(resumed.status, 0, resumed.error)
        XCTAssertEqual(lines(metrics), 4)
    }

    func testSIGTERMBeforeAnyCheckpointResumesFromTheStart() throws {
        let directory = try CLI.temporaryDirectory()
        let out = directory.appendingPathComponent("run")
        let run = try BackgroundRun(
            Self.recipe + ["--out", out.path, "--epochs", "1", "--train-limit", "1024"], in: directory)
        // config.json is written once the run is set up, before its first step.
        let config = out.appendingPathComponent("config.json")
        XCTAssertTrue(
            run.wait(seconds: 180) { FileManager.default.fileExists(atPath: config.path) }, "the run never started")
        kill(run.process.processIdentifier, SIGTERM)
        let (status, error) = run.finish()
        XCTAssertEqual(status, 143, error)
        XCTAssertTrue(error.contains("stopped by SIGTERM in epoch 1/1"), error)
        XCTAssertTrue(error.contains("no checkpoint yet"), error)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: out.appendingPathComponent("checkpoint.safetensors").path))

        let resumed = try CLI.run(["--resume", out.path])
        XCTAssertEqual(resumed.status, 0, resumed.error)
        XCTAssertTrue(resumed.error.contains("starting it again from the beginning"), resumed.error)
        XCTAssertEqual(lines(out.appendingPathComponent("metrics.csv")), 2)
    }
}
