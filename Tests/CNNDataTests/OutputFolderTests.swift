import CNNData
import Foundation
import XCTest

/// Issue 12, finding 14: exports go to a new or empty folder; --force deletes only an image tree.
final class OutputFolderTests: XCTestCase {
    func testEmptyOrMissingFoldersAreAccepted() throws {
        let directory = TemporaryDirectory("out")
        XCTAssertEqual(try OutputFolder.prepare(directory.path, force: false), 0)
        XCTAssertEqual(try OutputFolder.prepare(directory.path + "/new/deeper", force: false), 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.path + "/new/deeper"))
    }

    func testNonEmptyIsRefusedAndForceDeletesOnlyImages() throws {
        let directory = TemporaryDirectory("out")
        directory.write("train/a/1.png", [1])
        directory.write("test/a/2.JPG", [2])
        XCTAssertThrowsError(try OutputFolder.prepare(directory.path, force: false)) { error in
            XCTAssertTrue("\(error)".contains("not empty") && "\(error)".contains("--force"), "\(error)")
        }
        XCTAssertNoThrow(try OutputFolder.check(directory.path, force: true))
        XCTAssertTrue(
            FileManager.default.fileExists(atPath: directory.path + "/train/a/1.png"), "check deletes nothing")
        directory.write("train/notes.md", [3])
        XCTAssertThrowsError(try OutputFolder.prepare(directory.path, force: true)) { error in
            XCTAssertTrue("\(error)".contains(directory.path + "/train/notes.md"), "\(error)")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.path + "/train/a/1.png"), "nothing deleted")
        try FileManager.default.removeItem(atPath: directory.path + "/train/notes.md")
        XCTAssertEqual(try OutputFolder.prepare(directory.path, force: true), 2)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [])
    }

    func testForceNeverEmptiesTheWorkingOrHomeFolder() {
        for path in [FileManager.default.currentDirectoryPath, NSHomeDirectory(), "/"] {
            XCTAssertThrowsError(try OutputFolder.check(path, force: true), path) { error in
                XCTAssertTrue("\(error)".contains("will not delete") || "\(error)".contains("not a .png"), "\(error)")
            }
        }
    }
}
