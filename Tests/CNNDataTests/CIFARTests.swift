import CNNData
import TestSupport
import XCTest

/// Tiny CIFAR-10 fixtures: records 0, 1 in data_batch_1, 2 in data_batch_2, 3 in test_batch;
/// record r has label r % 10 and pixel p of channel c = (r + 3c + p) % 256.
final class CIFARTests: XCTestCase {
    func testReadsBatchesInOrderWithMetaNames() throws {
        let dataset = try DatasetLoader.load(.cifar(directory: Fixtures.url("data/cifar").path))
        XCTAssertEqual(dataset.train.labels, [0, 1, 2])
        XCTAssertEqual(dataset.test.labels, [3])
        XCTAssertEqual([dataset.train.channels, dataset.train.height, dataset.train.width], [3, 32, 32])
        XCTAssertEqual(dataset.classNames.first, "plane", "names from batches.meta.txt")
        for r in 0..<3 {
            for c in 0..<3 {
                for p in [0, 5, 1023] {
                    XCTAssertEqual(dataset.train.pixels[r * 3072 + c * 1024 + p], UInt8((r + 3 * c + p) % 256))
                }
            }
        }
    }

    func testRecordSizeIsChecked() throws {
        let directory = TemporaryDirectory("cifar-bad")
        directory.write("data_batch_1.bin", [UInt8](repeating: 0, count: 3072))
        directory.write("test_batch.bin", [UInt8](repeating: 0, count: 3073))
        XCTAssertThrowsError(try DatasetLoader.load(.cifar(directory: directory.path))) { error in
            XCTAssertTrue("\(error)".contains("data_batch_1.bin"), "\(error)")
            XCTAssertTrue("\(error)".contains("3073-byte records"), "\(error)")
        }
    }

    func testConvertsToGrayOnRequest() throws {
        let dataset = try DatasetLoader.load(
            .cifar(directory: Fixtures.url("data/cifar").path), options: LoadOptions(channels: 1, height: 16, width: 16)
        )
        XCTAssertEqual([dataset.train.channels, dataset.train.height, dataset.train.width], [1, 16, 16])
    }
}
