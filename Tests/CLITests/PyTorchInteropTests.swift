import Foundation
import TestSupport
import XCTest

/// A checkpoint written by cnntrain loads in PyTorch with load_state_dict(strict=True) and gives the
/// same test accuracy there (scripts/pytorch/torch_check_checkpoint.py builds the nn.Sequential from the
/// checkpoint's own model metadata).
final class PyTorchInteropTests: XCTestCase {
    func accuracy(in text: String) -> String? {
        text.range(of: #"accuracy [0-9.]+%"#, options: .regularExpression).map { String(text[$0]) }
    }

    func testCheckpointLoadsInPyTorchWithTheSameAccuracy() throws {
        let python = "/usr/bin/python3"
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: python)
        probe.arguments = ["-c", "import torch"]
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { throw XCTSkip("no \(python)") }
        probe.waitUntilExit()
        guard probe.terminationStatus == 0 else {
            throw XCTSkip("python3-torch is not installed (scripts/setup.sh --with-torch)")
        }

        for norm in ["batch", "layer", "group"] {
            let out = try CLI.temporaryDirectory().appendingPathComponent("run")
            XCTAssertEqual(try CLI.run(["--norm", norm, "--epochs", "1", "--out", out.path] + CLI.quick).status, 0)
            let ours = try CLI.run(["eval", out.path, "--test-limit", "500"])
            XCTAssertEqual(ours.status, 0, ours.error)

            let process = Process()
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = [
                Fixtures.repositoryRoot.path + "/scripts/pytorch/torch_check_checkpoint.py",
                out.appendingPathComponent("checkpoint.safetensors").path, "--test-limit", "500"
            ]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, output)
            XCTAssertTrue(output.contains("strict=True"), output)
            XCTAssertNotNil(accuracy(in: ours.output))
            XCTAssertEqual(
                accuracy(in: output), accuracy(in: ours.output),
                "--norm \(norm): PyTorch \(output) vs cnntrain \(ours.output.prefix(80))")
        }
    }
}
