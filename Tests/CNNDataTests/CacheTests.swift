import CNNData
import Foundation
import ImageIO
import XCTest

final class CacheTests: XCTestCase {
    func testHitThenInvalidatedByChange() throws {
        let tree = TemporaryDirectory("cache-tree"), cache = TemporaryDirectory("cache")
        for k in 0..<6 { tree.write("c\(k % 2)/\(k).png", pngBytes(flatGray(UInt8(k)))) }
        tree.copyFixture("images/broken/empty.png", to: "c0/empty.png")
        let options = LoadOptions(cacheDirectory: cache.path, validationFraction: 0)
        let first = try DatasetLoader.load(.imageFolder(root: tree.path), options: options)
        XCTAssertFalse(first.fromCache)
        let second = try DatasetLoader.load(.imageFolder(root: tree.path), options: options)
        XCTAssertTrue(second.fromCache)
        XCTAssertEqual(second.train.pixels, first.train.pixels)
        XCTAssertEqual(second.train.labels, first.train.labels)
        XCTAssertEqual(second.warnings, first.warnings, "warnings survive the cache")
        XCTAssertEqual(second.skippedCount, 1)

        // Strict with a cached skip decodes again and fails naming the file.
        XCTAssertThrowsError(
            try DatasetLoader.load(
                .imageFolder(root: tree.path), options: LoadOptions(strict: true, cacheDirectory: cache.path))
        ) {
            XCTAssertTrue("\($0)".contains("empty.png"))
        }

        // Replacing a file (new size and time) invalidates.
        tree.write("c1/1.png", pngBytes(flatGray(99, width: 8, height: 6)))
        let third = try DatasetLoader.load(.imageFolder(root: tree.path), options: options)
        XCTAssertFalse(third.fromCache)
        XCTAssertTrue(third.train.pixels.contains(99))
        XCTAssertTrue(try DatasetLoader.load(.imageFolder(root: tree.path), options: options).fromCache)

        // Adding a file invalidates.
        tree.write("c1/new.png", pngBytes(flatGray(7)))
        let fourth = try DatasetLoader.load(.imageFolder(root: tree.path), options: options)
        XCTAssertFalse(fourth.fromCache)
        XCTAssertEqual(fourth.train.count, 7)

        // Touching a file (same content, new time) invalidates.
        let path = tree.path + "/c0/0.png"
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 60)], ofItemAtPath: path)
        XCTAssertFalse(try DatasetLoader.load(.imageFolder(root: tree.path), options: options).fromCache)

        // Other options are another cache entry, not a clash.
        var small = options
        small.height = 2; small.width = 2
        let resized = try DatasetLoader.load(.imageFolder(root: tree.path), options: small)
        XCTAssertFalse(resized.fromCache)
        XCTAssertEqual(resized.train.height, 2)
        XCTAssertTrue(try DatasetLoader.load(.imageFolder(root: tree.path), options: options).fromCache)
    }

    func testCorruptCacheIsIgnored() throws {
        let tree = TemporaryDirectory("cache-tree"), cache = TemporaryDirectory("cache")
        tree.write("a/0.png", pngBytes(flatGray(3)))
        let options = LoadOptions(cacheDirectory: cache.path, validationFraction: 0)
        _ = try DatasetLoader.load(.imageFolder(root: tree.path), options: options)
        let files = try FileManager.default.contentsOfDirectory(atPath: cache.path)
        XCTAssertEqual(files.count, 1)
        XCTAssertTrue(files[0].hasSuffix(".cnncache"))
        let cacheFile = cache.path + "/" + files[0]
        let bytes = try Data(contentsOf: URL(fileURLWithPath: cacheFile))
        try bytes.prefix(bytes.count - 5).write(to: URL(fileURLWithPath: cacheFile))
        let reloaded = try DatasetLoader.load(.imageFolder(root: tree.path), options: options)
        XCTAssertFalse(reloaded.fromCache)
        XCTAssertEqual(reloaded.train.pixels, [UInt8](repeating: 3, count: 12))
    }
}
