import CNNData
import ImageIO
import TestSupport
import XCTest

/// An image folder with one bad file of each kind among good ones.
final class BrokenCorpusTests: XCTestCase {
    static let brokenFiles = [
        "truncated.png", "truncated.jpg", "empty.png", "random.jpg", "huge_claim.png", "corrupt_idat.png"
    ]

    func makeTree() -> TemporaryDirectory {
        let directory = TemporaryDirectory("broken")
        directory.writeGoodImages(4, width: 5, height: 3)
        for name in Self.brokenFiles { directory.copyFixture("images/broken/" + name, to: "bad/" + name) }
        directory.copyFixture("images/really_jpeg.png", to: "bad/really_jpeg.png")
        return directory
    }

    func testSkippedWithAWarningNamingEachFile() throws {
        let directory = makeTree()
        let dataset = try directory.loadGrayFolder(width: 5, height: 3)
        XCTAssertEqual(dataset.skippedCount, Self.brokenFiles.count)
        XCTAssertEqual(dataset.train.count, 5, "4 good + the mislabelled JPEG")
        let text = messages(dataset.warnings)
        for name in Self.brokenFiles {
            XCTAssertTrue(text.contains(directory.path + "/bad/" + name), "no warning for \(name):\n\(text)")
        }
        XCTAssertTrue(text.contains("60000×60000"), text)
        XCTAssertTrue(text.contains("empty file"), text)
        XCTAssertTrue(text.contains("not an image"), text)
        XCTAssertTrue(text.contains("truncated"), text)
        XCTAssertTrue(text.contains("really_jpeg.png: JPEG data with a .png extension"), text)
        XCTAssertTrue(dataset.summary.contains("6 files skipped"), dataset.summary)
    }

    func testStrictFailsNamingTheFile() throws {
        for name in Self.brokenFiles {
            let directory = TemporaryDirectory("strict")
            directory.write("good/0.png", pngBytes(flatGray(0, width: 5, height: 3)))
            directory.copyFixture("images/broken/" + name, to: "bad/" + name)
            XCTAssertThrowsError(
                try DatasetLoader.load(.imageFolder(root: directory.path), options: LoadOptions(strict: true))
            ) { error in
                XCTAssertTrue("\(error)".contains(directory.path + "/bad/" + name), "\(name): \(error)")
                XCTAssertTrue("\(error)".contains("strict"), "\(error)")
            }
        }
        // A mislabelled but valid file is not an error, even under strict.
        let directory = TemporaryDirectory("strict")
        directory.copyFixture("images/really_jpeg.png", to: "a/really_jpeg.png")
        XCTAssertEqual(
            try DatasetLoader.load(
                .imageFolder(root: directory.path), options: LoadOptions(strict: true, validationFraction: 0)
            ).train.count, 1)
    }

    func testAllBadIsAnError() {
        let directory = TemporaryDirectory("allbad")
        directory.copyFixture("images/broken/empty.png", to: "a/empty.png")
        XCTAssertThrowsError(try DatasetLoader.load(.imageFolder(root: directory.path))) { error in
            XCTAssertTrue("\(error)".contains(directory.path), "\(error)")
        }
    }
}
