import CNNData
import Foundation
import ImageIO
import TestSupport
import XCTest

/// Issue 12, finding 9: the cache is capped (least recently used entries go first), lists what it
/// holds, and an image folder without a given size is decoded at a bounded size.
final class CacheLimitTests: XCTestCase {
    func tree(_ value: UInt8, width: Int = 16, height: Int = 16) -> TemporaryDirectory {
        let directory = TemporaryDirectory("limit-tree")
        for k in 0..<4 {
            directory.write("c\(k % 2)/\(k).png", pngBytes(flatGray(value &+ UInt8(k), width: width, height: height)))
        }
        return directory
    }

    func testLeastRecentlyUsedEntriesAreRemovedToStayUnderTheLimit() throws {
        let cache = TemporaryDirectory("limit-cache")
        let first = tree(10), second = tree(20), third = tree(30)
        // Each entry holds 4 images of 256 bytes (+ labels, header): about 1.2 KB. Room for two.
        let options = LoadOptions(cacheDirectory: cache.path, validationFraction: 0)
        var limited = options
        limited.cacheLimit = 2_700
        _ = try DatasetLoader.load(.imageFolder(root: first.path), options: limited)
        usleep(20_000)
        _ = try DatasetLoader.load(.imageFolder(root: second.path), options: limited)
        usleep(20_000)
        XCTAssertTrue(
            try DatasetLoader.load(.imageFolder(root: first.path), options: limited).fromCache,
            "a hit renews the first entry")
        usleep(20_000)
        _ = try DatasetLoader.load(.imageFolder(root: third.path), options: limited)
        let roots = DatasetCache.entries(in: cache.path).compactMap { $0.description?.root }
        XCTAssertEqual(
            Set(roots), Set([first.path, third.path].map { URL(fileURLWithPath: $0).standardizedFileURL.path }),
            "the least recently used (second) is removed")
        XCTAssertLessThanOrEqual(DatasetCache.entries(in: cache.path).reduce(0) { $0 + $1.bytes }, 2_700)

        // A dataset larger than the whole limit is not cached, with a warning.
        limited.cacheLimit = 500
        let fourth = tree(40)
        let large = try DatasetLoader.load(.imageFolder(root: fourth.path), options: limited)
        XCTAssertTrue(messages(large.warnings).contains("larger than the cache limit"), messages(large.warnings))
        XCTAssertEqual(DatasetCache.entries(in: cache.path).count, 2)

        XCTAssertEqual(try DatasetCache.clear(directory: cache.path).count, 2)
        XCTAssertTrue(DatasetCache.entries(in: cache.path).isEmpty)
    }

    func testByteCounts() {
        XCTAssertEqual(DatasetCache.parseByteCount("1500"), 1500)
        XCTAssertEqual(DatasetCache.parseByteCount("500M"), 500 << 20)
        XCTAssertEqual(DatasetCache.parseByteCount("2g"), 2 << 30)
        XCTAssertNil(DatasetCache.parseByteCount("lots"))
        XCTAssertNil(DatasetCache.parseByteCount("-1"))
    }

    func testNativeSizeIsBoundedWhenAsked() throws {
        let directory = TemporaryDirectory("bounded")
        directory.write("a/0.png", pngBytes(flatGray(7, width: 400, height: 300)))
        directory.write("b/1.png", pngBytes(flatGray(9, width: 40, height: 30)))
        var options = LoadOptions(validationFraction: 0)
        options.maxNativeSide = 64
        let bounded = try DatasetLoader.load(.imageFolder(root: directory.path), options: options)
        XCTAssertEqual([bounded.train.height, bounded.train.width], [48, 64], "aspect ratio kept")
        XCTAssertEqual(bounded.train.pixels.count, 2 * 48 * 64)
        XCTAssertTrue(bounded.train.pixels[0..<(48 * 64)].allSatisfy { $0 == 7 })
        // Without a bound, the first image's size (train's model size is always given).
        let native = try DatasetLoader.load(
            .imageFolder(root: directory.path), options: LoadOptions(validationFraction: 0))
        XCTAssertEqual([native.train.height, native.train.width], [300, 400])
        // A given size wins over the bound.
        options.height = 10; options.width = 10
        XCTAssertEqual(try DatasetLoader.load(.imageFolder(root: directory.path), options: options).train.height, 10)
    }
}
