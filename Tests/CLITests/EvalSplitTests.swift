import Foundation
import TestSupport
import XCTest

/// Issue 12, findings 2 and 3: `eval` re-split a tree without test/ with its own settings, and
/// compared label numbers of datasets whose classes are in another order.
final class EvalSplitTests: XCTestCase {
    func testEvalUsesTheRunsOwnValidationSplit() throws {
        let root = try CLI.temporaryDirectory()
        let tree = root.appendingPathComponent("shapes")
        try DataTrees.shapes(in: tree, countPerClass: 10)
        try FileManager.default.removeItem(at: tree.appendingPathComponent("test"))  // 80 images, no held-out folder
        let run = root.appendingPathComponent("run")
        let train = try CLI.run([
            "--data", tree.path, "--model", try DataTrees.shapesModel(in: root), "--norm", "batch", "--epochs", "1",
            "--batch-size", "8",
            "--threads", "1", "--seed", "7", "--validation-fraction", "0.25", "--out", run.path, "--quiet"
        ])
        XCTAssertEqual(train.status, 0, train.error)
        let summary = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("summary.json")))
                as? [String: Any])
        XCTAssertEqual(summary["testImages"] as? Int, 20)
        let eval = try CLI.run(["eval", run.path, "--json", "--threads", "1"])
        let json = try DataTrees.evalJSON(eval)
        XCTAssertEqual(json["count"] as? Int, 20, "the run's 25% split, not a 10% one")
        XCTAssertEqual(json["accuracy"] as? Double, summary["finalTestAccuracy"] as? Double)
        XCTAssertTrue(eval.error.contains("--validation-fraction 0.25, seed 7"), eval.error)
    }

    /// Trains on IDX files with Fashion-MNIST's class names, exports them as an image folder
    /// (classes sorted by name: another label order) and evaluates the checkpoint on both.
    func makeRunAndTree() throws -> (run: URL, tree: URL) {
        let root = try CLI.temporaryDirectory()
        let idx = root.appendingPathComponent("fashion-tiny")
        try DataTrees.writeIDX(in: idx, counts: Array(1...10))  // class k: k + 1 images: every row sum differs
        let run = root.appendingPathComponent("run")
        let train = try CLI.run([
            "--data", idx.path, "--model", DataTrees.tinyModel, "--norm", "batch", "--epochs", "3", "--batch-size", "8",
            "--threads", "1", "--out", run.path, "--quiet"
        ])
        XCTAssertEqual(train.status, 0, train.error)
        let tree = root.appendingPathComponent("tree")
        let export = try CLI.run(["data", "export", "--data", idx.path, "--out", tree.path, "--threads", "1"])
        XCTAssertEqual(export.status, 0, export.error)
        return (run, tree)
    }

    func testAnExportedTreeIsEvaluatedWithClassesMatchedByName() throws {
        let (run, tree) = try makeRunAndTree()
        let onIDX = try DataTrees.evalJSON(try CLI.run(["eval", run.path, "--json", "--threads", "1"]))
        let onTreeResult = try CLI.run(["eval", run.path, "--data", tree.path, "--json", "--threads", "1"])
        let onTree = try DataTrees.evalJSON(onTreeResult)
        XCTAssertEqual(DataTrees.rowSums(onIDX), Array(1...10))
        // PNG is lossless: the same images, labelled by name, give the same confusion matrix.
        XCTAssertEqual(onTree["confusion"] as? [[Int]], onIDX["confusion"] as? [[Int]])
        XCTAssertEqual(onTree["classNames"] as? [String], onIDX["classNames"] as? [String])
        XCTAssertTrue(onTreeResult.error.contains("classes matched by name"), onTreeResult.error)
        XCTAssertEqual((onTree["perClass"] as? [[String: Any]])?.count, 10)
    }

    func testADatasetWithAClassTheCheckpointDoesNotKnowIsRefused() throws {
        let (run, tree) = try makeRunAndTree()
        for split in ["train", "test"] {
            try FileManager.default.moveItem(
                at: tree.appendingPathComponent("\(split)/Bag"), to: tree.appendingPathComponent("\(split)/Handbag"))
        }
        let result = try CLI.run(["eval", run.path, "--data", tree.path, "--threads", "1"])
        XCTAssertNotEqual(result.status, 0, result.output)
        XCTAssertLessThan(result.status, 128, result.error)
        for fragment in [
            "not among the checkpoint's: \"Handbag\"", "\"T-shirt_top\"", "\"T-shirt/top\"",
            "checkpoint classes (label order)"
        ] {
            XCTAssertTrue(result.error.contains(fragment), "'\(fragment)' not in: \(result.error)")
        }
    }

    func testEvalPrintsPrecisionRecallAndF1() throws {
        let (run, _) = try makeRunAndTree()
        let result = try CLI.run(["eval", run.path, "--threads", "1"])
        XCTAssertEqual(result.status, 0, result.error)
        XCTAssertTrue(result.output.contains("| class | precision | recall | F1 | images |"), result.output)
        XCTAssertTrue(result.output.contains("| macro average |"), result.output)
        XCTAssertTrue(result.output.contains("| Ankle boot |"), result.output)
    }
}
