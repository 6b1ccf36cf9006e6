import CNNData
import Foundation
import TestSupport
import XCTest

/// Replays Tests/Fixtures/fuzz/idx and cifar as the fuzz targets do: each file parses consistently
/// or throws an error naming it; none crashes.
final class FuzzFindingsTests: XCTestCase {
    func testIDXFindings() throws {
        for url in FuzzFindings.files("idx") {
            let bytes = [UInt8](try Data(contentsOf: url))
            do {
                let images = try IDXReader.parseImages(bytes, path: url.path)
                XCTAssertEqual(images.pixels.count, images.count * images.rows * images.columns)
            } catch { XCTAssertTrue("\(error)".contains(url.path), "\(error)") }
            do {
                let labels = try IDXReader.parseLabels(bytes, path: url.path)
                XCTAssertEqual(labels.count, bytes.count - 8)
            } catch { XCTAssertTrue("\(error)".contains(url.path), "\(error)") }
        }
    }

    func testCIFARFindings() throws {
        for url in FuzzFindings.files("cifar") {
            do {
                let batch = try CIFARReader.parseBatch([UInt8](try Data(contentsOf: url)), path: url.path)
                XCTAssertEqual(batch.pixels.count, batch.labels.count * 3072)
            } catch { XCTAssertTrue("\(error)".contains(url.path), "\(error)") }
        }
    }
}
