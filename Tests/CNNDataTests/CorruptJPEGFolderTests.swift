import CNNData
import Foundation
import ImageIO
import TestSupport
import XCTest

/// Issue 12, finding 4: a JPEG with damaged entropy-coded data in an image folder is named in a
/// warning (kept), and refused under --strict like the other broken files.
final class CorruptJPEGFolderTests: XCTestCase {
    func makeTree() -> TemporaryDirectory {
        let directory = TemporaryDirectory("corruptjpeg")
        directory.writeGoodImages(3, width: 8, height: 6)
        directory.copyFixture("images/broken/corrupt_entropy.jpg", to: "bad/corrupt_entropy.jpg")
        directory.copyFixture("images/large.jpg", to: "bad/clean.jpg")
        return directory
    }

    func testWarnedAndKept() throws {
        let directory = makeTree()
        let dataset = try directory.loadGrayFolder(width: 8, height: 6)
        XCTAssertEqual(dataset.train.count, 5)
        let text = messages(dataset.warnings)
        XCTAssertTrue(text.contains(directory.path + "/bad/corrupt_entropy.jpg: damaged JPEG data"), text)
        XCTAssertTrue(text.contains("Corrupt JPEG data"), text)
        XCTAssertFalse(text.contains("clean.jpg"), text)
    }

    func testStrictRefusesIt() throws {
        let directory = makeTree(), cache = TemporaryDirectory("corruptjpeg-cache")
        // Also when a run without --strict has cached the tree with the damaged file kept.
        _ = try directory.loadGrayFolder(width: 8, height: 6, cacheDirectory: cache.path)
        for cacheDirectory in [nil, cache.path] {
            XCTAssertThrowsError(
                try directory.loadGrayFolder(width: 8, height: 6, strict: true, cacheDirectory: cacheDirectory)
            ) { error in
                XCTAssertTrue("\(error)".contains(directory.path + "/bad/corrupt_entropy.jpg"), "\(error)")
                XCTAssertTrue("\(error)".contains("Corrupt JPEG data") && "\(error)".contains("strict"), "\(error)")
            }
        }
    }
}
