import Foundation
import TestSupport
import XCTest

/// Bad input: a clear message naming the option/file/line, a non-zero exit, never a crash.
final class BadInputTests: XCTestCase {
    func expectFailure(
        _ arguments: [String], mentions expected: [String], in directory: URL? = nil,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let result = try CLI.run(arguments, in: directory)
        XCTAssertNotEqual(result.status, 0, "should fail: \(arguments)", file: file, line: line)
        XCTAssertLessThan(result.status, 128, "crashed with a signal: \(result.error)", file: file, line: line)
        for text in expected {
            XCTAssertTrue(result.error.contains(text), "'\(text)' not in: \(result.error)", file: file, line: line)
        }
    }

    func testUnknownNormListsTheAllowedValues() throws {
        try expectFailure(["--norm", "grop"], mentions: ["grop", "batch", "layer", "instance", "group", "none"])
    }

    func testGroupCountThatDoesNotDivideTheChannels() throws {
        try expectFailure(
            ["--norm", "group", "--groups", "5", "--epochs", "1"] + CLI.quick, mentions: ["5", "32", "smallcnn.cfg:"])
    }

    func testMissingDatasetPath() throws {
        try expectFailure(["--data", "/no/such/dataset", "--epochs", "1"] + CLI.quick, mentions: ["/no/such/dataset"])
    }

    func testBrokenModelFileNamesItsLine() throws {
        let directory = try CLI.temporaryDirectory()
        let model = directory.appendingPathComponent("broken.cfg")
        try "input channels=1 size=28\nconv filters=8 size=3\nrelu\nmaxpol size=2\nflatten\nlinear out=classes\n"
            .write(to: model, atomically: true, encoding: .utf8)
        try expectFailure(
            ["--model", model.path, "--epochs", "1"] + CLI.quick, mentions: ["broken.cfg:4", "maxpol", "maxpool"])
    }

    func testBadNumbersAreRejectedWithTheOptionName() throws {
        try expectFailure(["--epochs", "0"], mentions: ["--epochs"])
        try expectFailure(["--batch-size", "-3"], mentions: ["batch-size"])
        try expectFailure(["--lr", "abc"], mentions: ["lr"])
        try expectFailure(["--weight-decay", "inf"], mentions: ["--weight-decay"])
        try expectFailure(["--schedule", "wavy", "--epochs", "1"] + CLI.quick, mentions: ["wavy", "cosine"])
    }

    func testUnwritableOutputIsReportedBeforeTraining() throws {
        try expectFailure(
            ["--out", "/proc/cnntrain-cannot-write", "--epochs", "1"] + CLI.quick,
            mentions: ["/proc/cnntrain-cannot-write"])
    }

    func testDivergenceStopsWithAMessageThatSaysWhatToTry() throws {
        try expectFailure(
            ["--norm", "none", "--lr", "50", "--epochs", "1", "--train-limit", "2048", "--test-limit", "64", "--quiet"],
            mentions: ["diverged", "NaN", "epoch 1", "--lr"])
    }

    func testCheckpointThatIsNotARegularFile() throws {
        try expectFailure(["eval", "/dev/null"], mentions: ["/dev/null: cannot read: is not a regular file"])
        try expectFailure(["--resume", "/dev/zero"], mentions: ["/dev/zero: cannot read: is not a regular file"])
    }

    func testCorruptCheckpoint() throws {
        let directory = try CLI.temporaryDirectory()
        let checkpoint = directory.appendingPathComponent("bad.safetensors")
        try Data([1, 2, 3]).write(to: checkpoint)
        try expectFailure(["eval", checkpoint.path], mentions: ["bad.safetensors"])
    }
}
