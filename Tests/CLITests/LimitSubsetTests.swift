import Foundation
import TestSupport
import XCTest

/// Issue 12, findings 1 and 15: `--train-limit` / `--test-limit` on an image folder (whose files are
/// sorted by class) took the first classes only; a training set of one class trained to "100%".
final class LimitSubsetTests: XCTestCase {
    func trainShapes(_ tree: URL, root: URL, arguments: [String]) throws -> (CLI.Result, URL) {
        let run = root.appendingPathComponent("run")
        let result = try CLI.run(
            [
                "--data", tree.path, "--model", try DataTrees.shapesModel(in: root), "--norm", "batch", "--epochs", "1",
                "--batch-size", "8", "--threads", "1", "--out", run.path
            ] + arguments)
        return (result, run)
    }

    func testTestLimitOnAnImageFolderTakesEveryClass() throws {
        let root = try CLI.temporaryDirectory()
        let tree = root.appendingPathComponent("shapes")
        try DataTrees.shapes(in: tree, countPerClass: 10)  // test/: 2 images of each of 8 classes
        let (train, run) = try trainShapes(tree, root: root, arguments: ["--train-limit", "16", "--test-limit", "8"])
        XCTAssertEqual(train.status, 0, train.error)
        XCTAssertTrue(train.error.contains("16 of 80 training images, class-stratified with seed 1"), train.error)
        // The first 8 test files in path order are 4 classes; a stratified 8 is one of each of the 8.
        let json = try DataTrees.evalJSON(try CLI.run(["eval", run.path, "--json", "--threads", "1"]))
        XCTAssertEqual(DataTrees.rowSums(json), [Int](repeating: 1, count: 8))
        // The same images as the run: the same accuracy as it reported.
        let summary =
            try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("summary.json")))
            as? [String: Any]
        XCTAssertEqual(json["accuracy"] as? Double, summary?["finalTestAccuracy"] as? Double)
        XCTAssertEqual(json["count"] as? Int, summary?["testImages"] as? Int)
    }

    func testATrainingSetOfOneClassIsAnError() throws {
        let root = try CLI.temporaryDirectory()
        let tree = root.appendingPathComponent("shapes")
        try DataTrees.shapes(in: tree, countPerClass: 5)
        // Keep the class "circle" only, and leave an empty class folder beside it.
        for split in ["train", "test"] {
            for name in try FileManager.default.contentsOfDirectory(atPath: tree.appendingPathComponent(split).path)
            where name != "circle" {
                try FileManager.default.removeItem(at: tree.appendingPathComponent(split).appendingPathComponent(name))
            }
        }
        try FileManager.default.createDirectory(
            at: tree.appendingPathComponent("train/empty"), withIntermediateDirectories: true)
        let (result, run) = try trainShapes(tree, root: root, arguments: [])
        XCTAssertNotEqual(result.status, 0, "a one-class training set must not train: \(result.output)")
        XCTAssertLessThan(result.status, 128, result.error)
        XCTAssertTrue(result.error.contains("cover 1 class"), result.error)
        XCTAssertTrue(result.error.contains("\"circle\""), result.error)
        XCTAssertTrue(result.error.contains(tree.path + "/train/empty: skipped an empty class folder"), result.error)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: run.appendingPathComponent("checkpoint.safetensors").path))
    }
}
