import Foundation
import TestSupport
import XCTest

/// End-to-end `cnntrain compare` on tiny studies (the first 256 training / 128 test images, 1 epoch).
final class CompareCommandTests: XCTestCase {
    static let tiny = ["--epochs", "1", "--train-limit", "256", "--test-limit", "128", "--threads", "1", "--no-plots"]

    func csvRows(_ study: URL) throws -> [[String: String]] {
        let lines = try String(contentsOf: study.appendingPathComponent("results.csv"), encoding: .utf8).split(
            separator: "\n")
        let header = lines[0].split(separator: ",").map(String.init)
        return lines.dropFirst().map { line in
            Dictionary(
                uniqueKeysWithValues: zip(
                    header, line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
        }
    }

    func testTwoByTwoStudyWritesResultsAndResumesWithoutRerunning() throws {
        let study = try CLI.temporaryDirectory().appendingPathComponent("study")
        let command =
            ["compare", "--norms", "batch,group", "--batch-sizes", "16,32", "--lr-rule", "linear", "--out", study.path]
            + Self.tiny
        let first = try CLI.run(command)
        XCTAssertEqual(first.status, 0, first.error + first.output)
        XCTAssertTrue(first.output.contains("lr = 0.05 × batch size / 64"), first.output)
        let rows = try csvRows(study)
        XCTAssertEqual(rows.count, 4)
        XCTAssertEqual(
            Set(rows.map { $0["id"]! }),
            ["batch-b16-lr0.0125-s1", "batch-b32-lr0.025-s1", "group-b16-lr0.0125-s1", "group-b32-lr0.025-s1"])
        for row in rows {
            XCTAssertEqual(row["status"], "ok")
            for column in [
                "test_accuracy", "train_accuracy", "train_loss", "train_images_per_second",
                "inference_images_per_second",
                "epoch_seconds", "parameters", "norm_parameters", "peak_memory_mib"
            ] {
                XCTAssertGreaterThan(Double(row[column] ?? "") ?? -1, 0, "\(row["id"]!) \(column)")
            }
        }
        let json =
            try JSONSerialization.jsonObject(with: Data(contentsOf: study.appendingPathComponent("results.json")))
            as! [String: Any]
        XCTAssertEqual((json["cells"] as! [Any]).count, 4)
        XCTAssertEqual((json["aggregates"] as! [Any]).count, 4)
        XCTAssertTrue((json["command"] as! String).hasPrefix("cnntrain compare --norms batch,group"))
        let report = try String(contentsOf: study.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(report.contains("| norm | batch 16 | batch 32 |"), report)
        XCTAssertTrue(report.contains("linear scaling"), report)
        // Every norm slot's γ, β: BatchNorm and GroupNorm have 2·C (C = 32, 32, 64, 64).
        let slots = json["normSlots"] as! [[String: Any]]
        XCTAssertEqual(
            slots.filter { $0["norm"] as? String == "batch" }.map { $0["parameters"] as! Int }, [64, 64, 128, 128])
        XCTAssertEqual(
            slots.filter { $0["norm"] as? String == "group" }.map { $0["shape"] as! [Int] }.last, [64, 14, 14])
        XCTAssertTrue(report.contains("| 3 | 64×14×14 | 128 | 128 |"), report)

        // Each cell's run was handed its configuration as a typed file, not as option strings.
        let cell =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: study.appendingPathComponent("cells/group-b32-lr0.025-s1/cell.json")))
            as! [String: Any]
        XCTAssertEqual(cell["norm"] as? String, "group")
        XCTAssertEqual(cell["batchSize"] as? Int, 32)
        XCTAssertEqual(cell["learningRate"] as? Double, 0.025)
        XCTAssertEqual(cell["trainLimit"] as? Int, 256)
        let summary = study.appendingPathComponent("cells/group-b32-lr0.025-s1/summary.json").path
        let before = try FileManager.default.attributesOfItem(atPath: summary)[.modificationDate] as! Date
        let second = try CLI.run(command)
        XCTAssertEqual(second.status, 0, second.error)
        XCTAssertEqual(second.output.components(separatedBy: "kept (finished earlier)").count - 1, 4, second.output)
        XCTAssertFalse(second.output.contains("training…"), second.output)
        let after = try FileManager.default.attributesOfItem(atPath: summary)[.modificationDate] as! Date
        XCTAssertEqual(before, after)
        XCTAssertEqual(try csvRows(study).map { $0["peak_memory_mib"] }, rows.map { $0["peak_memory_mib"] })

        // Other shared settings in the same folder are refused.
        let other = try CLI.run([
            "compare", "--norms", "batch", "--batch-sizes", "16", "--out", study.path, "--epochs", "2",
            "--train-limit", "256", "--test-limit", "128", "--no-plots"
        ])
        XCTAssertEqual(other.status, 64, "a study folder made with other settings is bad input")
        XCTAssertTrue(other.error.contains("other settings"), other.error)
    }

    func testFailedCellsAreRecordedWithTheirReasonAndTheStudyExitsNonZero() throws {
        let study = try CLI.temporaryDirectory().appendingPathComponent("study")
        // --groups 5 divides no channel count of smallcnn: group fails, batch and none ignore --groups.
        let result = try CLI.run(
            ["compare", "--norms", "none,group", "--batch-sizes", "32", "--groups", "5", "--out", study.path]
                + Self.tiny)
        XCTAssertEqual(result.status, 1, result.output)
        XCTAssertTrue(result.error.contains("1 of 2 cells failed: group-b32-lr0.025-s1"), result.error)
        let rows = try csvRows(study)
        XCTAssertEqual(rows.map { $0["status"]! }, ["ok", "failed"])
        let report = try String(contentsOf: study.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(report.contains("| group-b32-lr0.025-s1 |"), report)
        XCTAssertTrue(report.contains("smallcnn.cfg:"), report)

        let diverged = try CLI.temporaryDirectory().appendingPathComponent("study")
        let huge = try CLI.run(
            ["compare", "--norms", "none", "--batch-sizes", "32", "--lrs", "50,0.05", "--out", diverged.path]
                + Self.tiny)
        XCTAssertEqual(huge.status, 1, huge.output)
        let statuses = Dictionary(uniqueKeysWithValues: try csvRows(diverged).map { ($0["id"]!, $0["status"]!) })
        XCTAssertEqual(statuses, ["none-b32-lr50-s1": "failed", "none-b32-lr0.05-s1": "ok"])
        let text = try String(contentsOf: diverged.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(text.contains("diverged"), text)
        // One batch size and a list of rates: one table, a column per rate.
        XCTAssertTrue(text.contains("| norm | lr 50 | lr 0.05 |\n| --- | ---: | ---: |\n| none | failed | "), text)
    }

    func testTheDefaultLearningRateRuleIsLinearScaling() throws {
        let study = try CLI.temporaryDirectory().appendingPathComponent("study")
        let result = try CLI.run(["compare", "--norms", "none", "--batch-sizes", "16", "--out", study.path] + Self.tiny)
        XCTAssertEqual(result.status, 0, result.error + result.output)
        XCTAssertTrue(
            result.output.contains("1 cell (1 norm × 1 batch size × 1 learning rate × 1 seed), 1 epoch each"),
            result.output)
        XCTAssertTrue(result.output.contains("linear scaling: lr = 0.05 × batch size / 64"), result.output)
        let rows = try csvRows(study)
        XCTAssertEqual(rows.map { $0["id"]! }, ["none-b16-lr0.0125-s1"])

        // scripts/reports/readme_benchmarks.py puts this study into a README between its markers, with the
        // cell's accuracy from results.json, and --check then finds the README up to date.
        guard FileManager.default.isExecutableFile(atPath: Python.path) else { return }
        let readme = study.appendingPathComponent("README.md")
        try "intro\n<!-- study:begin tiny -->\nold text\n<!-- study:end tiny -->\noutro\n".write(
            to: readme, atomically: true, encoding: .utf8)
        let script = Fixtures.repositoryRoot.appendingPathComponent("scripts/reports/readme_benchmarks.py").path
        let arguments = [
            script, "tiny=\(study.path):accuracy,gap", "--readme", readme.path, "--figures",
            study.appendingPathComponent("figures").path
        ]
        XCTAssertEqual(try Self.python(arguments), 0)
        let text = try String(contentsOf: readme, encoding: .utf8)
        let accuracy = String(format: "%.2f", 100 * Double(rows[0]["test_accuracy"]!)!)
        XCTAssertTrue(text.contains("| none | \(accuracy) |"), text)
        XCTAssertTrue(text.contains("cnntrain compare --norms none --batch-sizes 16"), text)
        XCTAssertFalse(text.contains("old text"), text)
        XCTAssertTrue(
            text.hasPrefix("intro\n<!-- study:begin tiny -->\n") && text.hasSuffix("<!-- study:end tiny -->\noutro\n"),
            text)
        XCTAssertEqual(try Self.python(arguments + ["--check"]), 0)
        // A hand-edited number inside the block is stale; a missing README is an error.
        try text.replacingOccurrences(of: "| none | \(accuracy) |", with: "| none | 99.99 |").write(
            to: readme, atomically: true, encoding: .utf8)
        XCTAssertEqual(try Self.python(arguments + ["--check"]), 1)
        XCTAssertEqual(
            try Self.python(Array(arguments.prefix(2)) + ["--readme", study.appendingPathComponent("missing.md").path]),
            1)
    }

    /// Runs /usr/bin/python3 with the arguments; returns its exit status.
    static func python(_ arguments: [String]) throws -> Int32 { try Python.run(arguments).status }

    func testBadOptionsAreRejected() throws {
        let cases: [([String], String)] = [
            (["--norms", "batch,grop"], "grop"),
            (["--norms", "batch,batch"], "twice"),
            (["--batch-sizes", "8,0"], "--batch-sizes"),
            (["--batch-sizes", "8,x"], "positive integers"),
            (["--lrs", "0.1,-1"], "--lrs"),
            (["--lrs", "0.1", "--lr-rule", "linear"], "cannot be combined"),
            (["--lr-rule", "square"], "fixed"),
            (["--seeds", "0"], "--seeds"),
            (["--epochs", "0"], "--epochs"),
            (["--base-lr", "0"], "--base-lr")
        ]
        for (arguments, expected) in cases {
            let result = try CLI.run(["compare", "--out", "/tmp/cnntrain-never-written"] + arguments)
            XCTAssertNotEqual(result.status, 0, "\(arguments)")
            XCTAssertLessThan(result.status, 128, "\(arguments): \(result.error)")
            XCTAssertTrue(result.error.contains(expected), "\(arguments): '\(expected)' not in \(result.error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/cnntrain-never-written"))
        let help = try CLI.run(["compare", "--help"])
        for option in [
            "--norms", "--batch-sizes", "--lrs", "--lr-rule", "--base-lr", "--seeds", "--with-pytorch", "--out", "all",
            "linear"
        ] {
            XCTAssertTrue(help.output.contains(option), option)
        }
    }
}
