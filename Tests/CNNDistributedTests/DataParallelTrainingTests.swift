import CNNTraining
import Foundation
import TestSupport
import XCTest

/// `cnntrain` under `mpirun` (Open MPI, in `timeout`): W processes train one model.
///
/// Every run: smallcnn (with its dropout 0.25) on 128 Fashion-MNIST images, global batch 32, one
/// epoch (4 steps), lr 0.02. One process at the same global batch is the reference. Each
/// distributed run also checks, at the end of each epoch, that all processes hold the same weights
/// bit for bit (a gathered hash; the run fails otherwise) and logs it.
final class DataParallelTrainingTests: XCTestCase {
    static let recipe = [
        "--epochs", "1", "--batch-size", "32", "--train-limit", "128", "--test-limit", "64",
        "--lr", "0.02", "--threads", "2"
    ]

    nonisolated(unsafe) static var folder: URL = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cnntrain-mpi-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }()
    nonisolated(unsafe) static var references: [String: [String: [Float]]] = [:]

    /// Trains `norm` on W processes into a new run directory; returns its checkpoint's tensors.
    func train(
        _ norm: String, processes: Int, transport: MPIRun.Transport = .sharedMemory,
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> [String: [Float]] {
        let out = Self.folder.appendingPathComponent(
            "\(norm)-\(processes)-\(transport.rawValue)-\(UUID().uuidString.prefix(8))"
        ).path
        let result = try MPIRun.run(
            processes: processes, transport: transport, ["--norm", norm, "--out", out] + Self.recipe)
        XCTAssertEqual(result.status, 0, "\(norm) on \(processes): \(result.error)", file: file, line: line)
        if processes > 1 {
            XCTAssertTrue(
                result.error.contains("identical on all \(processes) processes"), result.error, file: file, line: line)
            let summary =
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json")))
                as? [String: Any]
            XCTAssertEqual(summary?["processes"] as? Int, processes, file: file, line: line)
        }
        return try MPIRun.weights(out + "/checkpoint.safetensors")
    }

    func reference(_ norm: String) throws -> [String: [Float]] {
        if let cached = Self.references[norm] { return cached }
        let weights = try train(norm, processes: 1)
        Self.references[norm] = weights
        return weights
    }

    func testSyncBatchOnTwoAndFourProcessesEqualsOneProcessAndRepeatsBitForBit() throws {
        let one = try reference("syncbatch")
        let two = try train("syncbatch", processes: 2)
        let four = try train("syncbatch", processes: 4)
        for (name, weights) in [("2", two), ("4", four)] {
            let (difference, tensor) = MPIRun.largestDifference(weights, one)
            print(
                "syncbatch, \(name) processes vs 1 at global batch 32, 4 steps: largest |Δ| \(difference) (\(tensor))")
            XCTAssertLessThan(difference, 1e-4, "\(name) processes, \(tensor)")
        }
        let again = try train("syncbatch", processes: 2)
        XCTAssertEqual(
            MPIRun.largestDifference(again, two).difference, 0,
            "the same seed and process count must repeat bit for bit")
    }

    /// 133 images: the last batch has 5, shared 3 + 2 on 2 processes and 2 + 1 + 1 + 1 on 4. Each
    /// process scales its loss by 1/5 (not 1/its share), so the summed gradient is still the mean.
    ///
    /// Tolerance 2e-3 (measured 3.8e-4 on 2 and on 4 processes), not 1e-4: syncbatch's statistics
    /// are summed in another order than one process's, and after the 5th step a max-pool whose two
    /// largest inputs differ by less than that rounding picks the other one, which moves a few
    /// weights by lr × an O(1) gradient. (With --lr 1e-6 the same runs agree to 6e-8; group norm,
    /// whose forward is the same bits on any split, agrees to 3e-8; plain batch differs by 1e-2;
    /// over 160 images, 4 processes agree with one to 6e-8 while 2 differ from both by 4.9e-4.)
    func testUnevenLastBatchEqualsOneProcess() throws {
        let recipe = [
            "--norm", "syncbatch", "--epochs", "1", "--batch-size", "32", "--train-limit", "133", "--test-limit", "64",
            "--lr", "0.02", "--threads", "2"
        ]
        var weights: [Int: [String: [Float]]] = [:]
        for processes in [1, 2, 4] {
            let out = Self.folder.appendingPathComponent("uneven-\(processes)").path
            let result = try MPIRun.run(processes: processes, recipe + ["--out", out])
            XCTAssertEqual(result.status, 0, result.error)
            weights[processes] = try MPIRun.weights(out + "/checkpoint.safetensors")
        }
        for processes in [2, 4] {
            let (difference, tensor) = MPIRun.largestDifference(weights[processes]!, weights[1]!)
            print(
                "syncbatch, uneven last batch (5 images), \(processes) processes vs 1: largest |Δ| \(difference) (\(tensor))"
            )
            XCTAssertLessThan(difference, 2e-3, tensor)
        }
    }

    /// `--steps` and `--train-eval-images` on two processes: the same steps and epochs as one
    /// process, and the train-eval subset evaluated in shares gives the same accuracy.
    func testStepsAndTrainEvalOnTwoProcessesEqualOneProcess() throws {
        var summaries: [[String: Any]] = []
        for processes in [1, 2] {
            let out = Self.folder.appendingPathComponent("steps-\(processes)-\(UUID().uuidString.prefix(8))").path
            // 128 images in batches of 32: 4 steps an epoch, so 5 steps are 2 epochs, the second of 1 step.
            let result = try MPIRun.run(
                processes: processes, transport: .sharedMemory,
                ["--norm", "group", "--out", out, "--steps", "5", "--train-eval-images", "48"] + Self.recipe)
            XCTAssertEqual(result.status, 0, "\(processes) processes: \(result.error)")
            let summary = try XCTUnwrap(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json")))
                    as? [String: Any])
            XCTAssertEqual(summary["steps"] as? Int, 5)
            XCTAssertEqual(summary["epochs"] as? Int, 2)
            XCTAssertEqual(summary["trainEvalImages"] as? Int, 48)
            let history = try XCTUnwrap(summary["history"] as? [[String: Any]])
            XCTAssertEqual(history.compactMap { $0["trainEvalAccuracy"] as? Double }.count, 2)
            summaries.append(summary)
        }
        let one = try XCTUnwrap(summaries[0]["finalTrainEvalAccuracy"] as? Double)
        let two = try XCTUnwrap(summaries[1]["finalTrainEvalAccuracy"] as? Double)
        // Weights agree to ~1e-5, so at most one of the 48 images may fall on the other side.
        XCTAssertEqual(one, two, accuracy: 1.0 / 48 + 1e-9)
    }

    func testGroupNormOnTwoAndFourProcessesEqualsOneProcessOverBothTransports() throws {
        let one = try reference("group")
        for transport in [MPIRun.Transport.sharedMemory, .loopbackTCP] {
            let (difference, tensor) = MPIRun.largestDifference(
                try train("group", processes: 2, transport: transport), one)
            print("group, 2 processes (\(transport.rawValue)) vs 1: largest |Δ| \(difference) (\(tensor))")
            XCTAssertLessThan(difference, 1e-4, "\(transport.rawValue), \(tensor)")
        }
        let (difference, tensor) = MPIRun.largestDifference(try train("group", processes: 4), one)
        print("group, 4 processes vs 1: largest |Δ| \(difference) (\(tensor))")
        XCTAssertLessThan(difference, 1e-4, tensor)
    }

    func testSyncBatchOverLoopbackTCPEqualsOneProcess() throws {
        let (difference, tensor) = MPIRun.largestDifference(
            try train("syncbatch", processes: 2, transport: .loopbackTCP),
            try reference("syncbatch"))
        print("syncbatch, 2 processes over loopback TCP vs 1: largest |Δ| \(difference) (\(tensor))")
        XCTAssertLessThan(difference, 1e-4, tensor)
    }

    /// Plain BatchNorm normalizes each process's share alone ("ghost" batches of 16): the model
    /// differs from one process's; syncbatch is there to remove that difference.
    func testPlainBatchNormOnTwoProcessesDiffersFromOneProcess() throws {
        let plain = MPIRun.largestDifference(try train("batch", processes: 2), try reference("batch"))
        let sync = MPIRun.largestDifference(try train("syncbatch", processes: 2), try reference("syncbatch"))
        print(
            "2 processes vs 1, largest |Δ| after 4 steps: batch \(plain.difference) (\(plain.name)), syncbatch \(sync.difference)"
        )
        XCTAssertGreaterThan(plain.difference, 100 * sync.difference)
        XCTAssertGreaterThan(plain.difference, 1e-4)
    }

    /// A syncbatch checkpoint of 2 processes loads into nn.BatchNorm2d with strict=True
    /// (scripts/pytorch/torch_check_checkpoint.py) and gives cnntrain eval's accuracy there.
    func testSyncBatchCheckpointLoadsInPyTorchAsBatchNorm() throws {
        guard FileManager.default.isExecutableFile(atPath: Python.path),
            (try? MPIRun.run(processes: 1, ["--version"]))?.status == 0
        else { throw XCTSkip("no python3 or cnntrain") }
        let out = Self.folder.appendingPathComponent("torch").path
        let run = try MPIRun.run(processes: 2, ["--norm", "syncbatch", "--out", out] + Self.recipe)
        XCTAssertEqual(run.status, 0, run.error)
        let ours = try MPIRun.run(processes: 1, ["eval", out, "--test-limit", "300"])
        XCTAssertEqual(ours.status, 0, ours.error)
        let (status, output, _) = try Python.checkCheckpoint(out + "/checkpoint.safetensors", testLimit: 300)
        if output.contains("No module named 'torch'") || status != 0 && !output.contains("strict") {
            throw XCTSkip("python3-torch is not installed (scripts/setup.sh --with-torch): \(output)")
        }
        XCTAssertTrue(output.contains("strict=True"), output)
        XCTAssertNotNil(Python.accuracy(in: ours.output), ours.output)
        XCTAssertEqual(
            Python.accuracy(in: output), Python.accuracy(in: ours.output),
            "PyTorch \(output) vs cnntrain \(ours.output.prefix(80))")
    }

    /// `compare --processes 2` runs each cell as a 2-process job (the compare itself in timeout,
    /// whose signal reaches mpirun and its ranks too: they share its process group).
    func testCompareRunsEachCellOnTwoProcesses() throws {
        guard FileManager.default.isExecutableFile(atPath: MPIRun.mpirun) else {
            throw XCTSkip("Open MPI is not installed")
        }
        let out = Self.folder.appendingPathComponent("study").path
        let result = try MPIRun.run(
            processes: 1,
            [
                "compare", "--norms", "syncbatch,group", "--batch-sizes", "32", "--epochs", "1",
                "--train-limit", "128", "--test-limit", "64", "--processes", "2", "--no-plots",
                "--out", out
            ], timeout: 300)
        XCTAssertEqual(result.status, 0, result.output + result.error)
        for cell in ["syncbatch-b32-lr0.025-s1", "group-b32-lr0.025-s1"] {
            let data = try Data(contentsOf: URL(fileURLWithPath: out + "/cells/\(cell)/summary.json"))
            let summary = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            XCTAssertEqual(summary?["processes"] as? Int, 2, cell)
        }
    }

    func testBadOptionIsReportedOnceNotOncePerProcess() throws {
        let result = try MPIRun.run(processes: 2, ["--norm", "bogus"], timeout: 60)
        XCTAssertNotEqual(result.status, 0)
        let reports = result.error.components(separatedBy: "bogus").count - 1
        XCTAssertEqual(reports, 1, result.error)
        let uneven = try MPIRun.run(
            processes: 2, ["--batch-size", "33", "--train-limit", "64", "--epochs", "1"], timeout: 60)
        XCTAssertNotEqual(uneven.status, 0)
        XCTAssertEqual(
            uneven.error.components(separatedBy: "does not split evenly into 2 processes").count - 1, 1, uneven.error)
    }

    /// A rank killed in epoch 2 ends the job within seconds, and mpirun names it; the checkpoint of
    /// epoch 1 is intact and the run resumes on another process count (1) to its end.
    func testKilledRankEndsTheJobAndTheRunResumesOnOneProcess() throws {
        guard let job = try Self.signalRankOneInEpochTwo(SIGKILL, norm: "syncbatch", name: "killed") else { return }
        XCTAssertTrue(job.error.contains("rank 1"), "mpirun names the rank: \(job.error)")
        let summary = try Self.resume(job.out, processes: 1)
        XCTAssertEqual(summary?["epochs"] as? Int, 2)
    }

    /// SIGTERM sent to rank 1 alone stops both processes at the same step: the stop flag travels in
    /// that step's all-reduce, so rank 0 never waits for a rank that has left. Then --resume on 2.
    func testStopSignalOnOneRankStopsAllAtTheSameStep() throws {
        guard let job = try Self.signalRankOneInEpochTwo(SIGTERM, norm: "group", name: "stopped") else { return }
        let stops = job.error.split(separator: "\n").filter { $0.contains("stopped by SIGTERM in epoch 2/2") }.map {
            line -> String in
            String(line[line.range(of: "stopped by")!.lowerBound...].prefix(while: { $0 != "." }))
        }
        XCTAssertEqual(stops.count, 2, "both ranks report the stop: \(job.error)")
        XCTAssertEqual(Set(stops).count, 1, "at the same step: \(stops)")

        // The same process count resumes it to its end (the kill test resumes on another).
        let summary = try Self.resume(job.out, processes: 2)
        XCTAssertEqual(summary?["epochs"] as? Int, 2)
        XCTAssertEqual(summary?["processes"] as? Int, 2)
    }
}
