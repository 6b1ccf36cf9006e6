import Foundation
import TestSupport
import XCTest

/// Runs are never overwritten by accident: `--out` naming a run is refused without `--force`
/// (or `--resume`), and default names stay unique when runs start in the same second.
final class RunDirectoryTests: XCTestCase {
    static let tiny = [
        "--epochs", "1", "--train-limit", "128", "--test-limit", "64", "--batch-size", "32", "--threads", "1", "--quiet"
    ]

    func testAFinishedRunIsNotOverwrittenWithoutForce() throws {
        let out = try CLI.temporaryDirectory().appendingPathComponent("run")
        XCTAssertEqual(try CLI.run(Self.tiny + ["--out", out.path]).status, 0)
        let checkpoint = out.appendingPathComponent("checkpoint.safetensors")
        let before = try Data(contentsOf: checkpoint)
        let metricsBefore = try String(contentsOf: out.appendingPathComponent("metrics.csv"), encoding: .utf8)

        let again = try CLI.run(Self.tiny + ["--out", out.path, "--seed", "2"])
        XCTAssertEqual(again.status, 64, again.error)
        XCTAssertTrue(again.error.contains("already holds a run"), again.error)
        XCTAssertTrue(again.error.contains("--resume \(out.path)") && again.error.contains("--force"), again.error)
        XCTAssertEqual(try Data(contentsOf: checkpoint), before, "the refused run must not touch the checkpoint")
        XCTAssertEqual(
            try String(contentsOf: out.appendingPathComponent("metrics.csv"), encoding: .utf8), metricsBefore)

        let forced = try CLI.run(Self.tiny + ["--out", out.path, "--seed", "2", "--force"])
        XCTAssertEqual(forced.status, 0, forced.error)
        XCTAssertNotEqual(try Data(contentsOf: checkpoint), before, "--force replaces the run")
    }

    /// Three runs started together without --out: three run directories, each a whole run.
    func testDefaultNamesAreUniqueForRunsStartedTogether() throws {
        let directory = try CLI.temporaryDirectory()
        let runs = try (0..<3).map { _ in try BackgroundRun(Self.tiny, in: directory) }
        for run in runs {
            let (status, error) = run.finish()
            XCTAssertEqual(status, 0, error)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("runs").path)
            .sorted()
        XCTAssertEqual(names.count, 3, "\(names)")
        for name in names {
            let summary = directory.appendingPathComponent("runs/\(name)/summary.json")
            XCTAssertTrue(FileManager.default.fileExists(atPath: summary.path), name)
        }
    }

    /// --resume takes the recipe from the run: recipe options are refused, naming each; --epochs extends the run.
    func testResumeRefusesRecipeOptionsAndAcceptsMoreEpochs() throws {
        let out = try CLI.temporaryDirectory().appendingPathComponent("run")
        XCTAssertEqual(try CLI.run(Self.tiny + ["--out", out.path]).status, 0)

        let refused = try CLI.run([
            "--resume", out.path, "--lr", "0.1", "--batch-size", "8", "--norm", "batch", "--train-limit", "64"
        ])
        XCTAssertEqual(refused.status, 64, refused.error)
        XCTAssertTrue(
            refused.error.contains("--norm, --batch-size, --lr, --train-limit cannot be given"), refused.error)
        XCTAssertTrue(refused.error.contains("--epochs"), refused.error)

        let extended = try CLI.run(["--resume", out.path, "--epochs", "2", "--threads", "1", "--quiet"])
        XCTAssertEqual(extended.status, 0, extended.error)
        let metrics = try String(contentsOf: out.appendingPathComponent("metrics.csv"), encoding: .utf8)
        XCTAssertEqual(metrics.split(separator: "\n").count, 3, metrics)
    }
}
