import CNNData
import Foundation
import TestSupport
import XCTest

final class SourceAndExportTests: XCTestCase {
    func testResolveLayouts() throws {
        XCTAssertEqual(
            try DatasetSource.resolve(path: Fixtures.url("data/idx-gz").path),
            .idx(directory: Fixtures.url("data/idx-gz").path))
        XCTAssertEqual(
            try DatasetSource.resolve(path: Fixtures.url("data/cifar").path),
            .cifar(directory: Fixtures.url("data/cifar").path))
        XCTAssertEqual(
            try DatasetSource.resolve(path: Fixtures.url("images").path),
            .imageFolder(root: Fixtures.url("images").path))
        XCTAssertThrowsError(try DatasetSource.resolve(path: "/nonexistent/data")) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/data"))
            XCTAssertTrue("\(error)".contains("accepted layouts"))
        }
        let empty = TemporaryDirectory("empty")
        XCTAssertThrowsError(try DatasetSource.resolve(path: empty.path)) {
            XCTAssertTrue("\($0)".contains("none of the known layouts"))
        }
    }

    func testExportThenReloadIsExact() throws {
        let source = try DatasetLoader.load(
            .idx(directory: Fixtures.url("data/idx").path), options: LoadOptions(classNames: ["a/b", "c", "d"]))
        let out = TemporaryDirectory("export")
        try exportDataset(source, root: out.path, format: .png)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.path + "/train/a_b/00001.png"))
        let reloaded = try DatasetLoader.load(.imageFolder(root: out.path))
        XCTAssertEqual(reloaded.classNames, ["a_b", "c", "d"])
        XCTAssertEqual(reloaded.train.count, 3)
        // Files sort by class then index; pixels survive PNG exactly.
        let order = [1, 2, 0]  // labels 2, 0, 1 → class a_b holds image 1, c image 2, d image 0
        XCTAssertEqual(reloaded.train.pixels, source.train.subset(order).pixels)
        XCTAssertEqual(reloaded.test.count, 2)
    }

    func testShapesDatasetIsSeeded() throws {
        let a = TemporaryDirectory("shapes"), b = TemporaryDirectory("shapes")
        try generateShapesDataset(root: a.path, countPerClass: 5, seed: 11, format: .png)
        try generateShapesDataset(root: b.path, countPerClass: 5, seed: 11, format: .png)
        let first = try DatasetLoader.load(.imageFolder(root: a.path))
        let second = try DatasetLoader.load(.imageFolder(root: b.path))
        XCTAssertEqual(first.classNames, ShapesDataset.classNames)
        XCTAssertEqual([first.train.count, first.test.count], [40, 8])
        XCTAssertEqual([first.train.channels, first.train.height, first.train.width], [3, 32, 32])
        XCTAssertEqual(first.train.pixels, second.train.pixels)
        XCTAssertNotEqual(
            ShapesDataset.store(countPerClass: 1, seed: 1).pixels, ShapesDataset.store(countPerClass: 1, seed: 2).pixels
        )
    }
}
