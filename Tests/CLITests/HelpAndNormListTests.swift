import Foundation
import TestSupport
import XCTest

/// The shared option groups: `--help` still names every option; one norm-list type for info,
/// compare and bench speed.
final class HelpAndNormListTests: XCTestCase {
    func testHelpNamesEveryOption() throws {
        let expected: [String: [String]] = [
            "train": [
                "--config", "--model", "--groups", "--norm-position", "--norm", "--data", "--train-limit",
                "--test-limit",
                "--validation-fraction", "--strict", "--no-cache", "--epochs", "--batch-size", "--lr", "--optimizer",
                "--momentum", "--nesterov", "--weight-decay", "--schedule", "--warmup", "--label-smoothing",
                "--augment",
                "--seed", "--threads", "--out", "--force", "--resume", "--init", "--quiet", "--profile"
            ],
            "info": ["--model", "--groups", "--norm-position", "--norm", "--classes", "--json"],
            "compare": [
                "--norms", "--batch-sizes", "--lrs", "--lr-rule", "--base-lr", "--seeds", "--model", "--groups",
                "--norm-position", "--data", "--epochs", "--train-limit", "--test-limit", "--threads", "--out",
                "--with-pytorch", "--no-plots"
            ]
        ]
        for (command, options) in expected {
            let help = try CLI.run(["help", command])
            XCTAssertEqual(help.status, 0, help.error)
            for option in options {
                XCTAssertTrue(help.output.contains(option), "\(command) --help does not name \(option): \(help.output)")
            }
        }
        let bench = try CLI.run(["bench", "train", "--help"])
        for option in [
            "--config", "--model", "--norm", "--groups", "--data", "--batch-size", "--lr", "--warmup-steps",
            "--train-images", "--inference-batch-size", "--inference-images", "--profile", "--json", "--threads"
        ] {
            XCTAssertTrue(bench.output.contains(option), "bench train --help does not name \(option): \(bench.output)")
        }
    }

    func testNormListsAcceptAllAndCommaLists() throws {
        let two = try CLI.run(["info", "--norm", "batch,group"])
        XCTAssertEqual(two.status, 0, two.error)
        XCTAssertTrue(
            two.output.contains("| batch |") && two.output.contains("| group |") && !two.output.contains("| layer |"),
            two.output)
        for (arguments, message) in [
            (["info", "--norm", "batch,batch"], "--norm batch,batch names a norm twice"),
            (["compare", "--norms", "grop"], "--norms: 'grop' is not allowed"),
            (["bench", "speed", "--norms", "group,group"], "--norms group,group names a norm twice")
        ] {
            let result = try CLI.run(arguments)
            XCTAssertEqual(result.status, 64, "\(arguments): \(result.error)")
            XCTAssertTrue(result.error.contains(message), "\(arguments): \(result.error)")
        }
    }
}
