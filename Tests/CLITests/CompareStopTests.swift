import Foundation
import TestSupport
import XCTest

/// Ctrl-C during `cnntrain compare` stops the study after the running cell, keeps the finished
/// cells, says how to go on, and exits 130; the same command then finishes the study.
final class CompareStopTests: XCTestCase {
    func testSIGINTStopsTheStudyAfterTheRunningCell() throws {
        let directory = try CLI.temporaryDirectory()
        let study = directory.appendingPathComponent("study")
        let command =
            ["compare", "--norms", "batch,group", "--batch-sizes", "32", "--out", study.path] + CompareCommandTests.tiny
        let run = try BackgroundRun(command, in: directory)
        let firstCell = study.appendingPathComponent("cells/batch-b32-lr0.025-s1/stderr.log")
        XCTAssertTrue(
            run.wait(seconds: 120) { FileManager.default.fileExists(atPath: firstCell.path) },
            "the first cell never started")
        // Only the study's process gets the signal here: its running cell finishes.
        kill(run.process.processIdentifier, SIGINT)
        let (status, error) = run.finish()
        XCTAssertEqual(status, 130, error)
        XCTAssertTrue(error.contains("study stopped by SIGINT (Ctrl-C) with 1 of 2 cells finished"), error)
        XCTAssertTrue(error.contains("run the same command again"), error)

        let again = try CLI.run(command)
        XCTAssertEqual(again.status, 0, again.error)
        XCTAssertEqual(again.output.components(separatedBy: "kept (finished earlier)").count - 1, 1, again.output)
    }
}
