import Foundation
import TestSupport
import XCTest

/// A checkpoint written by an earlier version (Tests/Fixtures/checkpoints/before-layer-table: JSON
/// field names from before the layer table) still loads, evaluates, predicts and resumes, with the
/// numbers that version computed (Tests/Fixtures/checkpoints/README.md).
final class OldCheckpointTests: XCTestCase {
    let data = Fixtures.url("data/idx").path

    /// A copy of the fixture's run directory: resuming writes into it.
    func copyOfTheRun() throws -> URL {
        let run = try CLI.temporaryDirectory().appendingPathComponent("before-layer-table")
        try FileManager.default.copyItem(at: Fixtures.url("checkpoints/before-layer-table"), to: run)
        return run
    }

    func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    func testEvaluatesAsBefore() throws {
        let run = try copyOfTheRun()
        let result = try CLI.run([
            "eval", run.appendingPathComponent("checkpoint.safetensors").path, "--data", data, "--json"
        ])
        XCTAssertEqual(result.status, 0, result.error)
        let evaluation = try XCTUnwrap(try json(result.output) as? [String: Any], result.output)
        XCTAssertEqual(try XCTUnwrap(evaluation["loss"] as? Double), 1.2690327167510986, accuracy: 1e-6)
        XCTAssertEqual(evaluation["accuracy"] as? Double, 0.5)
    }

    func testPredictsAsBefore() throws {
        let run = try copyOfTheRun()
        let result = try CLI.run([
            "predict", run.appendingPathComponent("checkpoint.safetensors").path,
            Fixtures.url("images/gray8.png").path, "-k", "3", "--json"
        ])
        XCTAssertEqual(result.status, 0, result.error)
        let predictions = try XCTUnwrap(try json(result.output) as? [[String: Any]], result.output)
        let top = try XCTUnwrap(predictions.first?["top"] as? [[String: Any]])
        XCTAssertEqual(top.compactMap { $0["classIndex"] as? Int }, [0, 1, 2])
        let probabilities = top.compactMap { $0["probability"] as? Double }
        for (ours, before) in zip(probabilities, [0.7767059803009033, 0.22329401969909668, 1.0303879527384652e-08]) {
            XCTAssertEqual(ours, before, accuracy: 1e-6, "\(probabilities)")
        }
    }

    /// Its optimizer state and generators restore: the second epoch is the one the old version ran.
    func testResumesAsBefore() throws {
        let run = try copyOfTheRun()
        let result = try CLI.run(["--resume", run.path, "--epochs", "2", "--quiet"])
        XCTAssertEqual(result.status, 0, result.error)
        let metrics = try String(contentsOf: run.appendingPathComponent("metrics.csv"), encoding: .utf8)
        let epoch2 = try XCTUnwrap(metrics.split(separator: "\n").first { $0.hasPrefix("2,") }, metrics)
        // Epoch, train loss, train accuracy, test loss, test accuracy. The losses to within
        // rounding: the convolution kernels' sums have changed order since (conv_kernels.c
        // version 9 moved the test loss from 1.455679 to 1.455678); a wrong state would move them
        // by far more.
        let fields = epoch2.split(separator: ",").map(String.init)
        XCTAssertGreaterThanOrEqual(fields.count, 5, String(epoch2))
        XCTAssertEqual(Double(fields[1]) ?? .nan, 0.716168, accuracy: 1e-5, String(epoch2))
        XCTAssertEqual(fields[2], "0.666667", String(epoch2))
        XCTAssertEqual(Double(fields[3]) ?? .nan, 1.455679, accuracy: 1e-5, String(epoch2))
        XCTAssertEqual(fields[4], "0.500000", String(epoch2))
        // The checkpoint it wrote uses today's field names.
        let header = try Data(contentsOf: run.appendingPathComponent("checkpoint.safetensors")).prefix(20_000)
        let text = String(decoding: header, as: UTF8.self)
        XCTAssertTrue(
            text.contains("outputChannels") && !text.contains("outChannels"), "the resumed checkpoint's model JSON")
    }

    /// scripts/pytorch/torch_model.py builds its model from the former field names and loads it strictly.
    func testLoadsInPyTorch() throws {
        try Python.requireTorch()
        let result = try Python.run(
            [
                "-c",
                "import sys, torch_model; model, _ = torch_model.load_checkpoint(sys.argv[1]); print(sum(p.numel() for p in model.parameters()))",
                Fixtures.url("checkpoints/before-layer-table/checkpoint.safetensors").path
            ], in: Fixtures.repositoryRoot.appendingPathComponent("scripts/pytorch"))
        XCTAssertEqual(result.status, 0, result.error)
        XCTAssertEqual(
            result.output.trimmingCharacters(in: .whitespacesAndNewlines), "327",
            "the parameters cnntrain reported when it trained it")
    }
}
