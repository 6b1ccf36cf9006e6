import Foundation
import TestSupport
import XCTest

/// Issue 12: `predict` on a folder, and on a list file of paths.
final class PredictInputsTests: XCTestCase {
    func testPredictReadsFoldersAndListFiles() throws {
        let root = try CLI.temporaryDirectory()
        let idx = root.appendingPathComponent("idx")
        try DataTrees.writeIDX(in: idx, counts: [2, 3])
        let run = root.appendingPathComponent("run")
        XCTAssertEqual(
            try CLI.run([
                "--data", idx.path, "--model", DataTrees.tinyModel, "--norm", "batch", "--epochs", "1", "--batch-size",
                "4",
                "--threads", "1", "--out", run.path, "--quiet"
            ]).status, 0)
        let tree = root.appendingPathComponent("tree")
        XCTAssertEqual(
            try CLI.run(["data", "export", "--data", idx.path, "--out", tree.path, "--threads", "1"]).status, 0)

        let folder = try CLI.run(["predict", run.path, tree.appendingPathComponent("test").path, "-k", "1"])
        XCTAssertEqual(folder.status, 0, folder.error)
        let lines = folder.output.split(separator: "\n")
        XCTAssertEqual(lines.count, 5, folder.output)
        XCTAssertTrue(lines.allSatisfy { $0.hasPrefix(tree.path + "/test/") }, folder.output)

        guard lines.count >= 2 else { return XCTFail("no predictions to list: \(folder.output)") }
        let images = lines.map { String($0.split(separator: ":")[0]) }
        let list = root.appendingPathComponent("list.txt")
        try "# images to classify\n\(images[0])\r\n\n\(root.path)/missing.png\n\(images[1])\n".write(
            to: list, atomically: true, encoding: .utf8)
        let listed = try CLI.run(["predict", run.path, "--list", list.path, "--json"])
        XCTAssertEqual(listed.status, 1, "a missing file is an error, after the others are classified")
        XCTAssertTrue(listed.error.contains("\(list.path):4: \(root.path)/missing.png"), listed.error)
        let predictions = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(listed.output.utf8)) as? [[String: Any]])
        XCTAssertEqual(predictions.compactMap { $0["file"] as? String }, [images[0], images[1]])
    }

    func testAnEmptyFolderIsAnError() throws {
        let root = try CLI.temporaryDirectory()
        let result = try CLI.run(["predict", root.path, root.path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.error.contains("no .png, .jpg or .jpeg files"), result.error)
    }
}
