import Foundation
import TestSupport
import XCTest

/// The command line as a user meets it: --version, negative values, one exit status for bad input,
/// the same defaults everywhere, cnntrain found through PATH, batch sizes too large for the data or the memory.
final class CommandLineTests: XCTestCase {
    func testVersion() throws {
        let result = try CLI.run(["--version"])
        XCTAssertEqual(result.status, 0, result.error)
        XCTAssertNotNil(result.output.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression), result.output)
    }

    /// `--lr -1` is the value -1 (refused by --lr's own check), not a missing value.
    func testNegativeNumbersAreValues() throws {
        let result = try CLI.run(["--lr", "-1"])
        XCTAssertEqual(result.status, 64, result.error)
        XCTAssertTrue(result.error.contains("--lr -1.0 is not allowed; use a positive number"), result.error)
        XCTAssertFalse(result.error.contains("Missing value"), result.error)
        let warmup = try CLI.run(["--warmup", "-5"])
        XCTAssertTrue(warmup.error.contains("--warmup -5 is not allowed"), warmup.error)
    }

    /// Bad input exits with 64 whether the parser, an option's check or the trainer's set-up found it.
    func testBadInputExitsWith64WhereverItIsChecked() throws {
        let quick = ["--epochs", "1", "--train-limit", "64", "--test-limit", "64", "--threads", "1", "--quiet"]
        for arguments in [
            ["--no-such-option"], ["--norm", "grop"], ["--epochs", "0"],
            ["--schedule", "wavy"] + quick, ["--data", "/no/such/dataset"] + quick,
            ["--model", "/no/such/model.cfg"] + quick, ["info", "--norm", "grop"], ["eval", "/no/such/run"]
        ] {
            let result = try CLI.run(arguments)
            XCTAssertEqual(result.status, 64, "\(arguments): \(result.error)")
        }
    }

    func testAModelPathThatIsADirectorySaysSo() throws {
        let directory = try CLI.temporaryDirectory()
        let result = try CLI.run(["info", "--model", directory.path])
        XCTAssertEqual(result.status, 64, result.error)
        XCTAssertTrue(result.error.contains("\(directory.path): is a directory"), result.error)
    }

    func testInfoDefaultsToTheNormTrainDefaultsTo() throws {
        let result = try CLI.run(["info"])
        XCTAssertEqual(result.status, 0, result.error)
        XCTAssertTrue(result.output.contains("smallcnn with --norm group:"), result.output)
    }

    /// Found through PATH (argv[0] is the bare word "cnntrain"), from a folder with no Models/ in it.
    func testFoundThroughPATHItFindsItsModelsFromAnyDirectory() throws {
        guard let executable = CLI.executable else { throw XCTSkip("cnntrain is not built; run scripts/test.sh") }
        let bin = try CLI.temporaryDirectory()
        try FileManager.default.createSymbolicLink(
            at: bin.appendingPathComponent("cnntrain"), withDestinationURL: executable)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["cnntrain", "info", "--model", "lenet"]
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        process.environment = ["PATH": bin.path + ":/usr/bin:/bin", "HOME": NSHomeDirectory()]
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outputText = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errorText = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, errorText)
        XCTAssertTrue(outputText.contains("lenet with --norm group:"), outputText)
    }

    /// A batch larger than the training set is the whole set (it used to allocate buffers for the
    /// batch size asked and crash).
    func testABatchLargerThanTheDataIsTheWholeSet() throws {
        let out = try CLI.temporaryDirectory().appendingPathComponent("run")
        let result = try CLI.run([
            "--batch-size", "1000000000000", "--train-limit", "200", "--test-limit", "64", "--epochs", "1",
            "--threads", "1", "--out", out.path
        ])
        XCTAssertEqual(result.status, 0, result.error)
        XCTAssertTrue(
            result.error.contains("--batch-size 1000000000000 is larger than the 200 training images"), result.error)
        let summary =
            try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json")))
            as! [String: Any]
        XCTAssertEqual(summary["batchSize"] as? Int, 200)
    }

    /// A batch whose activations do not fit in the memory available is refused before training,
    /// naming the batch size that would fit. (The test pretends 50 MB are available.)
    func testABatchThatDoesNotFitInMemoryIsRefusedBeforeTraining() throws {
        let out = try CLI.temporaryDirectory().appendingPathComponent("run")
        let result = try CLI.run(
            [
                "--batch-size", "64", "--train-limit", "512", "--test-limit", "64", "--epochs", "1",
                "--threads", "1", "--quiet", "--out", out.path
            ],
            environment: ["CNNTRAIN_TEST_MEMORY_AVAILABLE": "50000000"])
        XCTAssertEqual(result.status, 64, result.error)
        XCTAssertNotNil(
            result.error.range(
                of: #"--batch-size 64 needs about [0-9.]+ GB .* use --batch-size [0-9]+ or less"#,
                options: .regularExpression), result.error)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: out.appendingPathComponent("checkpoint.safetensors").path))
    }
}
