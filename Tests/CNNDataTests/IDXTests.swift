import CNNData
import TestSupport
import XCTest

/// Tiny IDX fixtures of scripts/fixtures/make_image_fixtures.py: 3 training images of 2×3 with pixel
/// 10·n + p and labels 2, 0, 1; 2 test images with labels 1, 1; plain and gzip copies.
final class IDXTests: XCTestCase {
    func testPlainAndGzipLoadTheSame() throws {
        for directory in ["data/idx", "data/idx-gz"] {
            let (train, test) = try IDXReader.load(directory: Fixtures.url(directory).path)
            XCTAssertEqual([train.count, train.channels, train.height, train.width], [3, 1, 2, 3], directory)
            XCTAssertEqual(train.labels, [2, 0, 1])
            XCTAssertEqual(train.pixels, (0..<3).flatMap { n in (0..<6).map { UInt8(10 * n + $0) } })
            XCTAssertEqual(test.labels, [1, 1])
            XCTAssertEqual(train.classNames, ["0", "1", "2"], "no 'fashion' in the path: label numbers")
        }
    }

    func testClassNamesGivenOrFashion() throws {
        let names = ["a", "b", "c"]
        XCTAssertEqual(
            try IDXReader.load(directory: Fixtures.url("data/idx").path, classNames: names).train.classNames, names)
        XCTAssertThrowsError(try IDXReader.load(directory: Fixtures.url("data/idx").path, classNames: ["a"]))
        let directory = TemporaryDirectory("Fashion-idx")
        for name in [
            "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"
        ] {
            directory.copyFixture("data/idx/" + name, to: name)
        }
        XCTAssertEqual(try IDXReader.load(directory: directory.path).train.classNames, IDXReader.fashionClassNames)
    }

    func testBadFilesAreNamed() throws {
        let directory = TemporaryDirectory("idx-bad")
        let valid = try Data(contentsOf: Fixtures.url("data/idx/train-images-idx3-ubyte"))
        var badMagic = Array(valid); badMagic[3] = 0x01
        directory.write("magic", badMagic)
        directory.write("short", Array(valid.dropLast()))
        directory.write("tiny", [0, 0])
        directory.write(
            "bad.gz", Array(try Data(contentsOf: Fixtures.url("data/idx-gz/train-images-idx3-ubyte.gz")).prefix(30)))
        for (name, fragment) in [
            ("magic", "magic number 0x801"), ("short", "file has 33"), ("tiny", "shorter than the header"),
            ("bad.gz", "gzip")
        ] {
            XCTAssertThrowsError(try IDXReader.readImages(directory.path + "/" + name)) { error in
                XCTAssertTrue("\(error)".contains(directory.path + "/" + name), "\(error)")
                XCTAssertTrue("\(error)".contains(fragment), "\(error)")
            }
        }
    }

    func testLabelCountMismatch() throws {
        let directory = TemporaryDirectory("idx-mismatch")
        for name in ["train-images-idx3-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"] {
            directory.copyFixture("data/idx/" + name, to: name)
        }
        directory.write("train-labels-idx1-ubyte", [0, 0, 8, 1, 0, 0, 0, 2, 1, 0])
        XCTAssertThrowsError(try IDXReader.load(directory: directory.path)) { error in
            XCTAssertTrue("\(error)".contains("2 labels for 3 images"), "\(error)")
        }
    }

    func testRealFashionMNISTWhenInstalled() throws {
        guard IDXReader.files(in: DatasetSource.defaultFashionMNISTDirectory) != nil else {
            throw XCTSkip("Fashion-MNIST not installed")
        }
        let dataset = try DatasetLoader.load(try DatasetSource.resolve(path: nil))
        XCTAssertEqual(
            [dataset.train.count, dataset.test.count, dataset.train.height, dataset.train.width], [60000, 10000, 28, 28]
        )
        XCTAssertEqual(dataset.classNames, IDXReader.fashionClassNames)
        XCTAssertEqual(dataset.train.classCounts, [Int](repeating: 6000, count: 10))
    }
}
