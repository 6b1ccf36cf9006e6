import Foundation
import TestSupport
import XCTest

/// best.safetensors beside the last checkpoint, and --init to a dataset with another number of classes.
final class BestAndFineTuneTests: XCTestCase {
    func testTheBestEpochsWeightsAreKeptAndNamedInTheSummary() throws {
        let out = try CLI.temporaryDirectory().appendingPathComponent("run")
        let result = try CLI.run([
            "--epochs", "3", "--train-limit", "256", "--test-limit", "128", "--batch-size", "32",
            "--lr", "0.2", "--threads", "1", "--quiet", "--out", out.path
        ])
        XCTAssertEqual(result.status, 0, result.error)
        let summary =
            try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json")))
            as! [String: Any]
        let history = try XCTUnwrap(summary["history"] as? [[String: Any]])
        let accuracies = history.map { $0["testAccuracy"] as! Double }
        let bestEpoch = accuracies.firstIndex(of: accuracies.max()!)! + 1
        XCTAssertEqual(summary["bestEpoch"] as? Int, bestEpoch)
        XCTAssertEqual(summary["bestTestAccuracy"] as? Double, accuracies.max())
        let best = out.appendingPathComponent("best.safetensors")
        XCTAssertEqual(summary["bestCheckpoint"] as? String, best.path)
        // The best weights are the last epoch's exactly when the last epoch is the best.
        let bestTensors = try SafeTensorsBody.tensors(best)
        let lastTensors = try SafeTensorsBody.tensors(out.appendingPathComponent("checkpoint.safetensors"))
        XCTAssertEqual(bestTensors.keys.sorted(), lastTensors.keys.sorted())
        XCTAssertEqual(bestTensors == lastTensors, bestEpoch == 3, "best epoch \(bestEpoch) of \(accuracies)")
        // It loads as any checkpoint does.
        let eval = try CLI.run(["eval", best.path, "--test-limit", "64"])
        XCTAssertEqual(eval.status, 0, eval.error)
    }

    /// A Fashion-MNIST checkpoint (10 classes) fine-tuned on the 8-class shapes dataset: the last
    /// layer is made anew for 8 classes (and the message says so); the rest is loaded.
    func testInitToAnotherClassCountRecreatesTheLastLayer() throws {
        let root = try CLI.temporaryDirectory()
        let source = root.appendingPathComponent("fashion"), tuned = root.appendingPathComponent("tuned")
        let shapes = root.appendingPathComponent("shapes")
        let quick = [
            "--epochs", "1", "--train-limit", "128", "--test-limit", "64", "--batch-size", "32", "--threads", "1"
        ]
        XCTAssertEqual(try CLI.run(quick + ["--quiet", "--out", source.path]).status, 0)
        let made = try CLI.run(["data", "shapes", "--out", shapes.path, "--count-per-class", "10"])
        XCTAssertEqual(made.status, 0, made.error)

        let result = try CLI.run(quick + ["--init", source.path, "--data", shapes.path, "--out", tuned.path])
        XCTAssertEqual(result.status, 0, result.error)
        XCTAssertTrue(result.error.contains("its last layer has 10 classes, this data has 8"), result.error)
        XCTAssertTrue(result.error.contains("18.weight, 18.bias"), result.error)
        let a = try SafeTensorsBody.tensors(source.appendingPathComponent("checkpoint.safetensors"))
        let b = try SafeTensorsBody.tensors(tuned.appendingPathComponent("checkpoint.safetensors"))
        XCTAssertEqual(Set(a.keys), Set(b.keys))
    }
}

/// Weights whose training losses were all finite but whose test loss is NaN end the run as a
/// divergence that keeps the last good epoch (the NaN used to fail the checkpoint's JSON instead).
final class TestSetDivergenceTests: XCTestCase {
    func testANaNTestLossStopsTheRunAndKeepsTheLastGoodCheckpoint() throws {
        let out = try CLI.temporaryDirectory().appendingPathComponent("run")
        // The second epoch's test loss reads as NaN (EvaluationFaultInjection); its training losses are finite.
        let result = try CLI.run(
            [
                "--epochs", "3", "--train-limit", "256", "--test-limit", "128", "--batch-size", "32",
                "--threads", "1", "--quiet", "--out", out.path
            ],
            environment: ["CNNTRAIN_TEST_EVALUATION_FAULT": "nan:2"])
        XCTAssertEqual(result.status, 1, result.error)
        XCTAssertTrue(result.error.contains("training diverged: the test loss of epoch 2 is NaN"), result.error)
        XCTAssertTrue(
            result.error.contains("The last good checkpoint is kept: \(out.path)/checkpoint.safetensors (epoch 1)"),
            result.error)
        XCTAssertFalse(result.error.contains("EncodingError"), result.error)
        let metrics = try String(contentsOf: out.appendingPathComponent("metrics.csv"), encoding: .utf8)
        XCTAssertEqual(metrics.split(separator: "\n").count, 2, metrics)
    }
}
