import Foundation
import TestSupport
import XCTest

/// Issue 12, finding 14: `data export` into a non-empty folder mixed two trees (every image twice).
final class ExportFolderTests: XCTestCase {
    func testExportIntoANonEmptyFolderIsRefusedUnlessForced() throws {
        let root = try CLI.temporaryDirectory()
        let idx = root.appendingPathComponent("idx")
        try DataTrees.writeIDX(in: idx, counts: [2, 3])
        let tree = root.appendingPathComponent("tree")
        let export = ["data", "export", "--data", idx.path, "--out", tree.path, "--threads", "1"]
        XCTAssertEqual(try CLI.run(export).status, 0)
        XCTAssertEqual(DataTrees.fileCount(under: tree), 10)

        let again = try CLI.run(export + ["--format", "jpeg"])
        XCTAssertNotEqual(again.status, 0, "a second export must not mix into the first: \(again.output)")
        XCTAssertTrue(
            again.error.contains(tree.path) && again.error.contains("not empty") && again.error.contains("--force"),
            again.error)
        XCTAssertEqual(DataTrees.fileCount(under: tree), 10, "nothing written")

        let forced = try CLI.run(export + ["--format", "jpeg", "--force"])
        XCTAssertEqual(forced.status, 0, forced.error)
        XCTAssertTrue(forced.output.contains("deleted the 10 image files"), forced.output)
        XCTAssertEqual(DataTrees.fileCount(under: tree), 10, "the old tree replaced, not doubled")

        // --force deletes image trees only.
        let notes = tree.appendingPathComponent("train/notes.txt")
        try "keep me".write(to: notes, atomically: true, encoding: .utf8)
        let refused = try CLI.run(export + ["--force"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.error.contains(notes.path), refused.error)
        XCTAssertTrue(FileManager.default.fileExists(atPath: notes.path))
    }
}
