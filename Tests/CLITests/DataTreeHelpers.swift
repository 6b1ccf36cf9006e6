import Foundation
import TestSupport
import XCTest

/// Small datasets made on the fly for the data/eval end-to-end tests (issue 12).
enum DataTrees {
    /// A model for the 4×4 gray images of `writeIDX` (Tests/Fixtures/models/tiny.cfg).
    static var tinyModel: String { Fixtures.url("models/tiny.cfg").path }

    /// A model for 3×32×32 images (the shapes dataset): one conv, pooled to 4×4.
    static func shapesModel(in directory: URL) throws -> String {
        let path = directory.appendingPathComponent("shapes.cfg").path
        try """
        input channels=3 size=32
        conv filters=4 size=3 pad=1
        norm
        relu
        maxpool size=8
        flatten
        linear out=classes
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Writes an IDX dataset of 4×4 images: class k has `counts[k]` training and as many test
    /// images, with pixels around 25·k (so that a model can tell the classes apart). A folder whose
    /// name contains "fashion" gets Fashion-MNIST's class names.
    static func writeIDX(in directory: URL, counts: [Int]) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (split, offset) in [("train", 0), ("t10k", 7)] {
            var labels: [UInt8] = [], pixels: [UInt8] = []
            // Interleave the classes, as the IDX files of Fashion-MNIST are.
            for round in 0..<(counts.max() ?? 0) {
                for (label, count) in counts.enumerated() where round < count {
                    labels.append(UInt8(label))
                    pixels += (0..<16).map { UInt8((25 * label + ($0 * 7 + round * 3 + offset) % 11) % 256) }
                }
            }
            func header(_ magic: UInt8, _ dimensions: [Int]) -> [UInt8] {
                [0, 0, 8, magic] + dimensions.flatMap { d in (0..<4).reversed().map { UInt8((d >> (8 * $0)) & 0xFF) } }
            }
            try Data(header(3, [labels.count, 4, 4]) + pixels).write(
                to: directory.appendingPathComponent("\(split)-images-idx3-ubyte"))
            try Data(header(1, [labels.count]) + labels).write(
                to: directory.appendingPathComponent("\(split)-labels-idx1-ubyte"))
        }
    }

    /// `cnntrain data shapes` into `directory` (8 classes, 32×32 RGB PNGs, train/ and test/).
    static func shapes(in directory: URL, countPerClass: Int) throws {
        let result = try CLI.run(["data", "shapes", "--out", directory.path, "--count-per-class", String(countPerClass)]
        )
        XCTAssertEqual(result.status, 0, result.error)
    }

    /// The JSON object `cnntrain eval --json` printed.
    static func evalJSON(_ result: CLI.Result, file: StaticString = #filePath, line: UInt = #line) throws -> [String:
        Any]
    {
        XCTAssertEqual(result.status, 0, "eval failed: \(result.error)", file: file, line: line)
        let object = try? JSONSerialization.jsonObject(with: Data(result.output.utf8))
        return try XCTUnwrap(
            object as? [String: Any], "not JSON: \(result.output)\n\(result.error)", file: file, line: line)
    }

    static func rowSums(_ json: [String: Any]) -> [Int] {
        ((json["confusion"] as? [[Int]]) ?? []).map { $0.reduce(0, +) }
    }

    static func fileCount(under directory: URL) -> Int {
        let enumerator = FileManager.default.enumerator(atPath: directory.path)
        var count = 0
        while let item = enumerator?.nextObject() as? String {
            if item.hasSuffix(".png") || item.hasSuffix(".jpg") { count += 1 }
        }
        return count
    }
}
