import Foundation
import TestSupport
import XCTest

/// `--activation`, `--dropout`, `--conv-bias`, `--init-gain`, `--steps`, `--train-eval-images` on
/// the command line: bad values are refused naming the option, `--resume` refuses them, and
/// `info` shows the changed model.
final class GridAxesCommandTests: XCTestCase {
    func expectUsageError(
        _ arguments: [String], mentions expected: [String], file: StaticString = #filePath, line: UInt = #line
    )
        throws
    {
        let result = try CLI.run(arguments)
        XCTAssertEqual(result.status, 64, "should be refused: \(arguments)\n\(result.error)", file: file, line: line)
        for text in expected {
            XCTAssertTrue(result.error.contains(text), "'\(text)' not in: \(result.error)", file: file, line: line)
        }
    }

    func testBadValuesNameTheOption() throws {
        try expectUsageError(["train", "--activation", "gelu"], mentions: ["--activation gelu", "sigmoid", "leakyrelu"])
        try expectUsageError(["train", "--dropout", "1.5"], mentions: ["--dropout 1.5 is not allowed; use 0 ≤ P < 1"])
        try expectUsageError(["train", "--conv-bias", "maybe"], mentions: ["--conv-bias maybe", "yes or no"])
        try expectUsageError(["train", "--init-gain", "0"], mentions: ["--init-gain 0.0"])
        try expectUsageError(["train", "--steps", "0"], mentions: ["--steps 0"])
        try expectUsageError(["train", "--train-eval-images", "-1"], mentions: ["--train-eval-images -1"])
    }

    func testResumeRefusesThem() throws {
        for option in [
            ["--activation", "tanh"], ["--dropout", "0.1"], ["--conv-bias", "yes"], ["--init-gain", "2"],
            ["--steps", "10"], ["--train-eval-images", "5"]
        ] {
            try expectUsageError(
                ["train", "--resume", "runs/somewhere"] + option, mentions: [option[0], "cannot be given"])
        }
    }

    func testInfoShowsTheOverriddenModel() throws {
        let result = try CLI.run(["info", "--activation", "sigmoid", "--conv-bias", "yes", "--norm", "batch", "--json"])
        XCTAssertEqual(result.status, 0, result.error)
        XCTAssertTrue(result.output.contains("\"sigmoid\""), result.output)
        XCTAssertFalse(result.output.contains("\"relu\""), result.output)
        XCTAssertFalse(result.output.contains("\"bias\" : false"), result.output)
    }

    func testHelpNamesTheAllowedValuesAndDefaults() throws {
        let help = try CLI.run(["train", "--help"]).output
        for text in [
            "--activation", "relu, sigmoid, tanh, silu, leakyrelu", "--dropout", "--conv-bias", "--init-gain",
            "--steps",
            "--train-eval-images"
        ] {
            XCTAssertTrue(help.contains(text), "'\(text)' not in train --help")
        }
    }
}
