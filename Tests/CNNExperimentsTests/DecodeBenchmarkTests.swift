import CNNData
import CNNExperiments
import Foundation
import ImageIO
import TestSupport
import XCTest

/// Decode throughput on Fashion-MNIST exported as PNG and JPEG trees (70,000 files each).
/// Runs only with CNNTRAIN_BENCH=1 (it writes Datasets/generated/fashion-{png,jpeg} when missing):
///     CNNTRAIN_BENCH=1 swift test -c release --skip-build --filter DecodeBenchmarkTests
final class DecodeBenchmarkTests: XCTestCase {
    func testDecodeBenchmark() throws {
        guard ProcessInfo.processInfo.environment["CNNTRAIN_BENCH"] == "1" else {
            throw XCTSkip("set CNNTRAIN_BENCH=1")
        }
        let generated = Fixtures.repositoryRoot.appendingPathComponent("Datasets/generated").path
        let pngRoot = generated + "/fashion-png", jpegRoot = generated + "/fashion-jpeg"
        let dataset = try DatasetLoader.load(try DatasetSource.resolve(path: nil))
        for (root, format) in [(pngRoot, ImageFormat.png), (jpegRoot, .jpeg)]
        where !FileManager.default.fileExists(atPath: root) {
            let start = Date()
            try exportDataset(dataset, root: root, format: format, quality: 90)
            print("exported \(root) in \(Date().timeIntervalSince(start)) s")
        }
        print(decodeBenchmarkReport(pngRoot: pngRoot, jpegRoot: jpegRoot))
    }
}
