import Foundation
import TestSupport
import XCTest

extension DataParallelTrainingTests {
    /// What `signalRankOneInEpochTwo` saw: the job's exit status, the seconds from the signal to
    /// its end, its standard error, and its output folder.
    struct SignalledJob {
        let status: Int32
        let seconds: Double
        let error: String
        let out: String
    }

    /// Starts a 2-process job of 2 epochs with `norm` (under timeout, into the folder `name`), waits
    /// until epoch 1's checkpoint is written, sends `signal` to rank 1 alone in epoch 2, and waits
    /// for the job to end. Checks what every fault must leave: a failed job, ended within 15 s of the
    /// signal, and epoch 1's checkpoint intact. Fails the test and returns nil when rank 1 is not found.
    static func signalRankOneInEpochTwo(
        _ signal: Int32, norm: String, name: String, file: StaticString = #filePath, line: UInt = #line
    ) throws -> SignalledJob? {
        let out = folder.appendingPathComponent(name).path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = try MPIRun.commandLine(
            processes: 2, transport: .sharedMemory,
            [
                "--norm", norm, "--epochs", "2", "--batch-size", "32", "--train-limit", "6400",
                "--test-limit", "64", "--threads", "2", "--quiet", "--out", out
            ], timeout: 300)
        process.environment = MPIRun.environment
        let errorFile = folder.appendingPathComponent(name + ".err")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let checkpoint = out + "/checkpoint.safetensors"
        let deadline = Date().addingTimeInterval(240)
        while !FileManager.default.fileExists(atPath: checkpoint) && process.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.2)
        }
        XCTAssertTrue(
            FileManager.default.fileExists(atPath: checkpoint), "epoch 1 did not finish", file: file, line: line)
        // Into epoch 2, which has 200 steps: seconds of work even on a quiet machine (with 40 steps
        // the job once ended before rank 1 was looked for, or before the signal came).
        Thread.sleep(forTimeInterval: 0.3)
        guard let victim = rankProcess(1, under: process.processIdentifier) else {
            process.terminate()
            process.waitUntilExit()
            XCTFail("no rank 1 under mpirun", file: file, line: line)
            return nil
        }
        kill(victim, signal)
        let signalled = Date()
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(signalled)
        let error = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        let status = process.terminationStatus
        print("signal \(signal) to rank 1: job ended with status \(status) after \(String(format: "%.1f", seconds)) s")
        XCTAssertNotEqual(status, 0, "the job must fail", file: file, line: line)
        XCTAssertLessThan(seconds, 15, "the job must end soon after the signal", file: file, line: line)
        XCTAssertNoThrow(
            try MPIRun.weights(checkpoint), "the checkpoint of epoch 1 must be intact", file: file, line: line)
        return SignalledJob(status: status, seconds: seconds, error: error, out: out)
    }

    /// Resumes the run in `out` on `processes` processes to its end; returns its summary.json.
    static func resume(_ out: String, processes: Int, file: StaticString = #filePath, line: UInt = #line) throws
        -> [String: Any]?
    {
        let resumed = try MPIRun.run(processes: processes, ["--resume", out, "--threads", "2", "--quiet"])
        XCTAssertEqual(resumed.status, 0, resumed.error, file: file, line: line)
        return try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json")))
            as? [String: Any]
    }

    /// The process of rank `rank` among the descendants of `root` (its OMPI_COMM_WORLD_RANK).
    static func rankProcess(_ rank: Int, under root: Int32) -> Int32? {
        var queue = [root]
        while let pid = queue.popLast() {
            let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
            for child in children.split(separator: " ").compactMap({ Int32($0) }) {
                let environ = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(child)/environ"))) ?? Data()
                let variables = environ.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
                if variables.contains("OMPI_COMM_WORLD_RANK=\(rank)") { return child }
                queue.append(child)
            }
        }
        return nil
    }
}
