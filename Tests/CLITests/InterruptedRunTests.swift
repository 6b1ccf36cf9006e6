import Foundation
import TestSupport
import XCTest

/// Faults while a run writes its checkpoint: a SIGKILL half-way through the temporary file, a full
/// disk (ENOSPC) half-way through it, and an output file system too small from the start. The
/// faults mid-write are injected with the test-only CNNTRAIN_TEST_WRITE_FAULT variable
/// (Sources/CNNTraining/Checkpoint/WriteFaultInjection.swift), which makes the n-th write of a named
/// file write half its bytes and then hang or fail.
final class InterruptedRunTests: XCTestCase {
    static let recipe = [
        "--norm", "batch", "--seed", "7", "--epochs", "3", "--train-limit", "2048", "--test-limit", "256",
        "--batch-size", "32", "--threads", "2", "--quiet"
    ]

    /// `completedEpochs` of the trainer state in a checkpoint's metadata (after checking the whole
    /// file is a valid safetensors file: header, and every tensor inside the file).
    func completedEpochs(_ checkpoint: URL, file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        let data = try Data(contentsOf: checkpoint)
        let headerLength = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        XCTAssertLessThanOrEqual(8 + headerLength, data.count, file: file, line: line)
        let header = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength))) as? [String: Any])
        var end = 0
        for (name, value) in header where name != "__metadata__" {
            end = max(end, try XCTUnwrap((value as? [String: Any])?["data_offsets"] as? [Int])[1])
        }
        XCTAssertEqual(8 + headerLength + end, data.count, "tensors must fill the file exactly", file: file, line: line)
        let metadata = try XCTUnwrap(header["__metadata__"] as? [String: String])
        let state = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(try XCTUnwrap(metadata["trainer_state"]).utf8))
                as? [String: Any])
        return try XCTUnwrap(state["completedEpochs"] as? Int)
    }

    func temporaryFiles(in run: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: run.path).filter { $0.contains(".tmp-") }.sorted()
    }

    /// Killed while the second epoch's checkpoint is half-written: the file on disk is still the
    /// first epoch's, complete, and loads; --resume continues from it and ends with the same weights
    /// as a run never interrupted; the half-written temporary file is cleaned up.
    func testKilledDuringACheckpointWriteResumesFromTheLastCompleteCheckpoint() throws {
        let root = try CLI.temporaryDirectory()
        let straight = root.appendingPathComponent("straight"), killed = root.appendingPathComponent("killed")
        XCTAssertEqual(try CLI.run(Self.recipe + ["--out", straight.path]).status, 0)

        let process = try CLI.start(
            Self.recipe + ["--out", killed.path],
            environment: ["CNNTRAIN_TEST_WRITE_FAULT": "hang:checkpoint.safetensors:2"])
        let checkpoint = killed.appendingPathComponent("checkpoint.safetensors")
        let hanging = killed.appendingPathComponent("checkpoint.safetensors.hanging")
        let deadline = Date().addingTimeInterval(180)
        while Date() < deadline, process.isRunning, !FileManager.default.fileExists(atPath: hanging.path) {
            usleep(5_000)
        }
        XCTAssertTrue(process.isRunning, "the run ended before its second checkpoint write")
        XCTAssertTrue(FileManager.default.fileExists(atPath: hanging.path), "the write never reached the fault")
        // The process is now inside the write: half of the new checkpoint is in a temporary file.
        let partial = try XCTUnwrap(
            try temporaryFiles(in: killed).first { $0.hasPrefix(".checkpoint.safetensors.tmp-") })
        let partialSize = try XCTUnwrap(
            try FileManager.default.attributesOfItem(atPath: killed.appendingPathComponent(partial).path)[.size] as? Int
        )
        let completeSize = try XCTUnwrap(
            try FileManager.default.attributesOfItem(atPath: checkpoint.path)[.size] as? Int)
        XCTAssertGreaterThan(partialSize, 0)
        XCTAssertLessThan(partialSize, completeSize)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)

        // The checkpoint on disk is the first epoch's, whole, and cnntrain loads it.
        XCTAssertEqual(try completedEpochs(checkpoint), 1)
        let eval = try CLI.run(["eval", killed.path, "--test-limit", "64"])
        XCTAssertEqual(eval.status, 0, eval.error)

        let resumed = try CLI.run(["--resume", killed.path, "--quiet"])
        XCTAssertEqual(resumed.status, 0, resumed.error)
        XCTAssertEqual(try completedEpochs(checkpoint), 3)
        let a = try SafeTensorsBody.tensors(straight.appendingPathComponent("checkpoint.safetensors"))
        let b = try SafeTensorsBody.tensors(checkpoint)
        XCTAssertEqual(a.keys.sorted(), b.keys.sorted())
        for key in a.keys { XCTAssertEqual(a[key], b[key], "tensor \(key) differs after resume") }
        XCTAssertEqual(
            try String(contentsOf: killed.appendingPathComponent("metrics.csv"), encoding: .utf8)
                .split(separator: "\n").count, 4)
        XCTAssertEqual(try temporaryFiles(in: killed), [], "the killed run's temporary file is removed on resume")
        let sidecars = try FileManager.default.contentsOfDirectory(atPath: killed.path).filter {
            $0.hasPrefix("optimizer-epoch")
        }
        XCTAssertEqual(sidecars, ["optimizer-epoch3.safetensors"])
    }

    /// The disk fills while the second checkpoint is written: the run stops with a message naming
    /// the file and the error, the first checkpoint stays whole, no temporary file is left, and
    /// --resume continues.
    func testFullDiskDuringACheckpointWriteKeepsThePreviousCheckpoint() throws {
        let run = try CLI.temporaryDirectory().appendingPathComponent("run")
        let checkpoint = run.appendingPathComponent("checkpoint.safetensors")
        let failed = try CLI.run(
            Self.recipe + ["--out", run.path],
            environment: ["CNNTRAIN_TEST_WRITE_FAULT": "enospc:checkpoint.safetensors:2"])
        XCTAssertNotEqual(failed.status, 0)
        XCTAssertLessThan(failed.status, 128, "crashed: \(failed.error)")
        for text in [checkpoint.path, "No space left on device", "unchanged"] {
            XCTAssertTrue(failed.error.contains(text), "'\(text)' not in: \(failed.error)")
        }
        XCTAssertEqual(try completedEpochs(checkpoint), 1)
        XCTAssertEqual(try temporaryFiles(in: run), [])

        let resumed = try CLI.run(["--resume", run.path, "--quiet"])
        XCTAssertEqual(resumed.status, 0, resumed.error)
        XCTAssertEqual(try completedEpochs(checkpoint), 3)
    }

    /// An output directory on a file system too small for the checkpoints is refused before any
    /// training, naming --out and the free space. Needs root to mount a 1 MB tmpfs (skipped otherwise).
    func testFullOutputFileSystemIsReportedBeforeTraining() throws {
        let mountPoint = try CLI.temporaryDirectory().appendingPathComponent("small")
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        guard runTool("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mountPoint.path]) == 0 else {
            throw XCTSkip("cannot mount a tmpfs here (needs root)")
        }
        defer { _ = runTool("/bin/umount", [mountPoint.path]) }
        let run = mountPoint.appendingPathComponent("run")
        let result = try CLI.run(["--out", run.path, "--epochs", "1"] + CLI.quick)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertLessThan(result.status, 128, "crashed: \(result.error)")
        for text in ["--out \(run.path)", "free", "MB"] {
            XCTAssertTrue(result.error.contains(text), "'\(text)' not in: \(result.error)")
        }
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: run.appendingPathComponent("checkpoint.safetensors").path))
        XCTAssertEqual(try temporaryFiles(in: run), [])
    }

    func runTool(_ path: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
