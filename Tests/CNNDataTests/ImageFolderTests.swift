import CNNData
import ImageIO
import TestSupport
import XCTest

final class ImageFolderTests: XCTestCase {
    /// root/<class>/… with nested subdirectories; image value = 10·class + k.
    func makeFlatTree(_ directory: TemporaryDirectory, perClass: Int = 5) {
        for (c, name) in ["cat", "ant", "bee"].enumerated() {
            for k in 0..<perClass {
                let sub = k % 2 == 0 ? "" : "nested/deeper/"
                directory.write("\(name)/\(sub)\(k).png", pngBytes(flatGray(UInt8(10 * c + k))))
            }
        }
        directory.write("ant/notes.txt", Array("not an image".utf8))
    }

    func testNestedClassesSortedWithValidationSplit() throws {
        let directory = TemporaryDirectory()
        makeFlatTree(directory)
        let dataset = try DatasetLoader.load(
            .imageFolder(root: directory.path), options: LoadOptions(validationFraction: 0.2, seed: 3))
        XCTAssertEqual(dataset.classNames, ["ant", "bee", "cat"])
        XCTAssertEqual(dataset.train.count + dataset.test.count, 15)
        XCTAssertEqual(dataset.test.count, 3)
        XCTAssertEqual([dataset.train.channels, dataset.train.height, dataset.train.width], [1, 3, 4])
        // Every image's label matches its class directory: value 10·c + k, c the "cat, ant, bee" index.
        let directoryIndexOfLabel = [1, 2, 0]
        for store in [dataset.train, dataset.test] {
            for i in 0..<store.count {
                let value = Int(store.pixels[i * store.sampleSize])
                XCTAssertEqual(value / 10, directoryIndexOfLabel[Int(store.labels[i])])
            }
        }
        XCTAssertTrue(messages(dataset.warnings).contains("ignored 1 file"), messages(dataset.warnings))
        XCTAssertEqual(dataset.skippedCount, 0)
        // The same seed gives the same split; another seed another one.
        let again = try DatasetLoader.load(
            .imageFolder(root: directory.path), options: LoadOptions(validationFraction: 0.2, seed: 3))
        XCTAssertEqual(again.test.pixels, dataset.test.pixels)
        let other = try DatasetLoader.load(
            .imageFolder(root: directory.path), options: LoadOptions(validationFraction: 0.2, seed: 4))
        XCTAssertNotEqual(other.test.pixels, dataset.test.pixels)
    }

    func testTrainTestLayoutAndConversion() throws {
        let directory = TemporaryDirectory()
        var rgb = Image(width: 8, height: 6, channels: 3)
        for i in 0..<rgb.pixels.count { rgb.pixels[i] = UInt8(i % 3 == 0 ? 200 : 40) }
        directory.write("train/red/a.png", pngBytes(rgb))
        directory.write("train/gray/b.png", pngBytes(flatGray(90, width: 8, height: 6)))
        directory.write("train/gray/c.jpg", try ImageEncoder.jpeg(flatGray(90, width: 16, height: 12), quality: 95))
        directory.write("test/red/d.png", pngBytes(rgb))
        let native = try DatasetLoader.load(.imageFolder(root: directory.path))
        XCTAssertEqual(native.classNames, ["gray", "red"])
        XCTAssertEqual([native.train.count, native.test.count], [3, 1])
        // First file in path order (train/gray/b.png) is gray 8×6: the native geometry.
        XCTAssertEqual([native.train.channels, native.train.height, native.train.width], [1, 6, 8])
        XCTAssertEqual(native.test.pixels[0], UInt8(Image.luma(200, 40, 40)))
        // The 16×12 JPEG was shrunk to 8×6.
        XCTAssertTrue(native.train.pixels[0..<48].allSatisfy { abs(Int($0) - 90) <= 2 })
        let colour = try DatasetLoader.load(
            .imageFolder(root: directory.path), options: LoadOptions(channels: 3, height: 3, width: 4))
        XCTAssertEqual([colour.train.channels, colour.train.height, colour.train.width], [3, 3, 4])
        // CHW: the red store image has plane R = 200, G = B = 40.
        let red = colour.test
        XCTAssertTrue(red.pixels[0..<12].allSatisfy { $0 == 200 } && red.pixels[12..<36].allSatisfy { $0 == 40 })
    }

    func testTestClassMustExistInTrain() {
        let directory = TemporaryDirectory()
        directory.write("train/a/1.png", pngBytes(flatGray(1)))
        directory.write("test/zebra/1.png", pngBytes(flatGray(1)))
        XCTAssertThrowsError(try DatasetLoader.load(.imageFolder(root: directory.path))) { error in
            XCTAssertTrue("\(error)".contains("zebra"), "\(error)")
        }
    }

    func testMemoryLimitGivesTheFigure() {
        let directory = TemporaryDirectory()
        makeFlatTree(directory)
        XCTAssertThrowsError(
            try DatasetLoader.load(.imageFolder(root: directory.path), options: LoadOptions(memoryLimit: 100))
        ) { error in
            XCTAssertTrue("\(error)".contains("needs 180 bytes"), "\(error)")
        }
    }

    func testDecodingIsIndependentOfThreadCount() throws {
        let directory = TemporaryDirectory()
        makeFlatTree(directory, perClass: 9)
        let one = try DatasetLoader.load(.imageFolder(root: directory.path), options: LoadOptions(threads: 1))
        let three = try DatasetLoader.load(.imageFolder(root: directory.path), options: LoadOptions(threads: 3))
        XCTAssertEqual(one.train.pixels, three.train.pixels)
        XCTAssertEqual(one.train.labels, three.train.labels)
    }
}
