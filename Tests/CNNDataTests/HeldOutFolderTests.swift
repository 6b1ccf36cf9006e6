import CNNData
import Foundation
import ImageIO
import TestSupport
import XCTest

/// Image-folder layouts of issue 12: `train/` + `val/` (finding 10) and empty class folders (finding 15).
final class HeldOutFolderTests: XCTestCase {
    func testValIsTheHeldOutSetWhenThereIsNoTest() throws {
        let directory = TemporaryDirectory("val")
        for (c, name) in ["cat", "dog"].enumerated() {
            for k in 0..<4 { directory.write("train/\(name)/\(k).png", pngBytes(flatGray(UInt8(10 * c + k)))) }
            directory.write("val/\(name)/v.png", pngBytes(flatGray(UInt8(100 + c))))
        }
        let dataset = try DatasetLoader.load(.imageFolder(root: directory.path))
        XCTAssertEqual([dataset.train.count, dataset.test.count], [8, 2], "val/ held out, train/ whole")
        XCTAssertEqual(dataset.test.pixels.first, 100)
        XCTAssertEqual(dataset.test.labels, [0, 1])
        XCTAssertTrue(dataset.heldOut.hasPrefix("val/ (2 images)"), dataset.heldOut)
        XCTAssertTrue(dataset.summary.contains("held-out set: val/"), dataset.summary)

        // With test/ as well, test/ is used and val/ is named as unused.
        directory.write("test/cat/t.png", pngBytes(flatGray(200)))
        let both = try DatasetLoader.load(.imageFolder(root: directory.path))
        XCTAssertEqual(both.test.pixels.first, 200)
        XCTAssertTrue(
            messages(both.warnings).contains(directory.path + "/val: not used; test/ is the held-out set"),
            messages(both.warnings))
    }

    func testEmptyClassFoldersAreSkippedWithAWarning() throws {
        let directory = TemporaryDirectory("emptyclass")
        for k in 0..<3 {
            directory.write("ant/\(k).png", pngBytes(flatGray(UInt8(k))))
            directory.write("bee/\(k).png", pngBytes(flatGray(UInt8(50 + k))))
        }
        try FileManager.default.createDirectory(
            atPath: directory.path + "/aardvark/nested", withIntermediateDirectories: true)
        directory.write("cow/readme.txt", Array("no images here".utf8))
        let dataset = try DatasetLoader.load(
            .imageFolder(root: directory.path), options: LoadOptions(validationFraction: 0))
        XCTAssertEqual(dataset.classNames, ["ant", "bee"])
        XCTAssertEqual(dataset.train.labels, [0, 0, 0, 1, 1, 1])
        let text = messages(dataset.warnings)
        XCTAssertTrue(text.contains(directory.path + "/aardvark: skipped an empty class folder"), text)
        XCTAssertTrue(text.contains(directory.path + "/cow: skipped an empty class folder"), text)
    }

    func testOneClassIsNamedInAWarning() throws {
        let directory = TemporaryDirectory("oneclass")
        directory.write("train/only/0.png", pngBytes(flatGray(1)))
        directory.write("test/only/0.png", pngBytes(flatGray(1)))
        let dataset = try DatasetLoader.load(.imageFolder(root: directory.path))
        XCTAssertTrue(messages(dataset.warnings).contains("only one class (\"only\")"), messages(dataset.warnings))
    }
}
