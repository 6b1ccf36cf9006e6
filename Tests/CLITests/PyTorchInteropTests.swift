import Foundation
import TestSupport
import XCTest

/// A checkpoint written by cnntrain loads in PyTorch with load_state_dict(strict=True) and gives the
/// same test accuracy there (scripts/pytorch/torch_check_checkpoint.py builds the nn.Sequential from the
/// checkpoint's own model metadata).
final class PyTorchInteropTests: XCTestCase {
    func testCheckpointLoadsInPyTorchWithTheSameAccuracy() throws {
        try Python.requireTorch()

        for norm in ["batch", "layer", "group"] {
            let out = try CLI.temporaryDirectory().appendingPathComponent("run")
            XCTAssertEqual(try CLI.run(["--norm", norm, "--epochs", "1", "--out", out.path] + CLI.quick).status, 0)
            let ours = try CLI.run(["eval", out.path, "--test-limit", "500"])
            XCTAssertEqual(ours.status, 0, ours.error)

            let (status, output, error) = try Python.checkCheckpoint(
                out.appendingPathComponent("checkpoint.safetensors").path, testLimit: 500)
            XCTAssertEqual(status, 0, output + error)
            XCTAssertTrue(output.contains("strict=True"), output)
            XCTAssertNotNil(Python.accuracy(in: ours.output))
            XCTAssertEqual(
                Python.accuracy(in: output), Python.accuracy(in: ours.output),
                "--norm \(norm): PyTorch \(output) vs cnntrain \(ours.output.prefix(80))")
        }
    }
}
