import Foundation
import TestSupport
import XCTest

/// Issue 12, finding 9: the decode cache had no size limit and no command to list or clear it.
final class CacheCommandTests: XCTestCase {
    func testListShowsAndClearEmptiesTheCache() throws {
        let root = try CLI.temporaryDirectory()
        let tree = root.appendingPathComponent("shapes")
        try DataTrees.shapes(in: tree, countPerClass: 2)
        let environment = ["CNNTRAIN_CACHE": root.appendingPathComponent("cache").path]
        let info = try CLI.run(["data", "info", tree.path, "--threads", "1"], environment: environment)
        XCTAssertEqual(info.status, 0, info.error)
        XCTAssertTrue(info.output.contains("16 train / 8 test images, 3×32×32, 8 classes"), info.output)

        let list = try CLI.run(["data", "cache", "list"], environment: environment)
        XCTAssertEqual(list.status, 0, list.error)
        XCTAssertTrue(list.output.contains(environment["CNNTRAIN_CACHE"]!), list.output)
        XCTAssertTrue(list.output.contains("| \(tree.path) | 3x32x32 | 24 |"), list.output)

        let clear = try CLI.run(["data", "cache", "clear"], environment: environment)
        XCTAssertEqual(clear.status, 0, clear.error)
        XCTAssertTrue(clear.output.contains("removed 1 cache entry"), clear.output)
        XCTAssertTrue(try CLI.run(["data", "cache", "list"], environment: environment).output.contains("empty"))
    }

    func testHelpSaysWhereTheCacheIs() throws {
        let help = try CLI.run(["data", "cache", "--help"], environment: ["CNNTRAIN_CACHE": "/tmp/somewhere-cnn"])
        XCTAssertTrue(help.output.contains("/tmp/somewhere-cnn"), help.output)
        XCTAssertTrue(help.output.contains("CNNTRAIN_CACHE_LIMIT"), help.output)
    }

    func testACacheLargerThanItsLimitIsNotWritten() throws {
        let root = try CLI.temporaryDirectory()
        let tree = root.appendingPathComponent("shapes")
        try DataTrees.shapes(in: tree, countPerClass: 2)
        let cache = root.appendingPathComponent("cache")
        let info = try CLI.run(
            ["data", "info", tree.path, "--threads", "1"],
            environment: ["CNNTRAIN_CACHE": cache.path, "CNNTRAIN_CACHE_LIMIT": "10K"])
        XCTAssertEqual(info.status, 0, info.error)
        XCTAssertTrue(info.output.contains("larger than the cache limit of 10.0 KB"), info.output)
        XCTAssertEqual(
            (try? FileManager.default.contentsOfDirectory(atPath: cache.path))?.filter { $0.hasSuffix(".cnncache") }
                ?? [], [])
    }
}
