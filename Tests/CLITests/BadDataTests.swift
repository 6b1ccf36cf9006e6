import Foundation
import TestSupport
import XCTest

/// Bad datasets given to `cnntrain --data`: the committed cases under Tests/Fixtures/data/bad-idx,
/// bad-cifar and no-usable-images (made by scripts/fixtures/make_bad_data_fixtures.py). Each must stop with
/// a non-zero exit and a message naming the file and the problem, before any training.
final class BadDataTests: XCTestCase {
    func train(on relative: String) throws -> (result: CLI.Result, run: URL) {
        let run = try CLI.temporaryDirectory().appendingPathComponent("run")
        return (
            try CLI.run([
                "--data", Fixtures.url(relative).path, "--epochs", "1", "--batch-size", "2", "--threads", "1",
                "--out", run.path, "--quiet"
            ]), run
        )
    }

    func expectFailure(
        _ relative: String, file name: String?, mentions fragments: [String],
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let (result, run) = try train(on: relative)
        XCTAssertNotEqual(result.status, 0, "\(relative) should fail", file: file, line: line)
        XCTAssertLessThan(result.status, 128, "crashed with a signal: \(result.error)", file: file, line: line)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: run.appendingPathComponent("checkpoint.safetensors").path),
            "must fail before training", file: file, line: line)
        let expected = (name.map { [Fixtures.url(relative).path + "/" + $0] } ?? []) + fragments
        for text in expected {
            XCTAssertTrue(result.error.contains(text), "'\(text)' not in: \(result.error)", file: file, line: line)
        }
    }

    func testWrongIDXMagicNamesTheFile() throws {
        try expectFailure(
            "data/bad-idx/wrong-magic", file: "train-images-idx3-ubyte",
            mentions: ["magic number 0x801", "expected 0x803"])
    }

    func testShortIDXDataNamesTheFile() throws {
        try expectFailure(
            "data/bad-idx/short-data", file: "train-images-idx3-ubyte",
            mentions: ["3 images of 2×3 = 34 bytes, file has 29"])
    }

    func testIDXLabelAndImageCountMismatch() throws {
        try expectFailure(
            "data/bad-idx/count-mismatch", file: "train-labels-idx1-ubyte", mentions: ["2 labels for 3 images"])
    }

    /// Crashed before the fix: rows × columns × count overflowed Int (a trap, signal 4).
    func testIDXHeaderWhoseSizeOverflows() throws {
        try expectFailure(
            "data/bad-idx/huge-count", file: "train-images-idx3-ubyte", mentions: ["4294967295 images", "file has 34"])
    }

    func testIDXWithoutTrainingImagesSaysSo() throws {
        try expectFailure("data/bad-idx/zero-images", file: nil, mentions: ["no usable images", "bad-idx/zero-images"])
    }

    func testIDXWithoutTestImagesSaysSo() throws {
        try expectFailure(
            "data/bad-idx/zero-test-images", file: nil,
            mentions: ["test set has no usable images", "bad-idx/zero-test-images"])
    }

    func testPartialCIFARRecordNamesTheFile() throws {
        try expectFailure(
            "data/bad-cifar/partial-record", file: "data_batch_2.bin", mentions: ["6145 bytes", "3073-byte records"])
    }

    func testCIFARLabelOutOfRangeNamesTheFile() throws {
        try expectFailure(
            "data/bad-cifar/bad-label", file: "test_batch.bin", mentions: ["record 0 has label 10", "0–9"])
    }

    func testEmptyCIFARBatchNamesTheFile() throws {
        try expectFailure("data/bad-cifar/empty-batch", file: "data_batch_1.bin", mentions: ["0 bytes"])
    }

    func testImageFolderWithoutOneUsableImageSaysSo() throws {
        try expectFailure(
            "data/no-usable-images", file: nil,
            mentions: ["no-usable-images", "no training image could be decoded", "4 skipped"])
    }
}
