import Foundation
import TestSupport
import XCTest

/// End-to-end: the built cnntrain trains, resumes, evaluates and predicts on real Fashion-MNIST images.
final class TrainCommandTests: XCTestCase {
    func testTrainWritesARunDirectoryAndPrintsTestAccuracy() throws {
        let out = try CLI.temporaryDirectory().appendingPathComponent("run")
        let result = try CLI.run(["--norm", "group", "--epochs", "1", "--out", out.path] + CLI.quick)
        XCTAssertEqual(result.status, 0, result.error)
        XCTAssertTrue(result.output.contains("test accuracy"), result.output)
        for file in ["config.json", "metrics.csv", "summary.json", "checkpoint.safetensors"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), file)
        }
        let metrics = try String(contentsOf: out.appendingPathComponent("metrics.csv"), encoding: .utf8)
        XCTAssertEqual(metrics.split(separator: "\n").count, 2, metrics)

        let eval = try CLI.run(["eval", out.path, "--test-limit", "256"])
        XCTAssertEqual(eval.status, 0, eval.error)
        XCTAssertTrue(eval.output.contains("Confusion matrix"), eval.output)
        XCTAssertTrue(eval.output.contains("Ankle boot"), eval.output)
    }

    /// Two epochs in one go and one epoch + --resume end with byte-identical checkpoint tensors.
    func testResumeEndsWithTheSameWeightsAsAnUninterruptedRun() throws {
        let root = try CLI.temporaryDirectory()
        let straight = root.appendingPathComponent("straight"), resumed = root.appendingPathComponent("resumed")
        let recipe = ["--norm", "batch", "--seed", "5"] + CLI.quick
        XCTAssertEqual(try CLI.run(recipe + ["--epochs", "2", "--out", straight.path]).status, 0)
        XCTAssertEqual(try CLI.run(recipe + ["--epochs", "1", "--out", resumed.path]).status, 0)
        let second = try CLI.run(["--resume", resumed.path, "--epochs", "2", "--quiet"])
        XCTAssertEqual(second.status, 0, second.error)
        let a = try SafeTensorsBody.tensors(straight.appendingPathComponent("checkpoint.safetensors"))
        let b = try SafeTensorsBody.tensors(resumed.appendingPathComponent("checkpoint.safetensors"))
        XCTAssertEqual(a.keys.sorted(), b.keys.sorted())
        for key in a.keys { XCTAssertEqual(a[key], b[key], "tensor \(key) differs after resume") }
        let metrics = try String(contentsOf: resumed.appendingPathComponent("metrics.csv"), encoding: .utf8)
        XCTAssertEqual(metrics.split(separator: "\n").count, 3, metrics)
    }

    func testSameSeedGivesTheSameMetrics() throws {
        let root = try CLI.temporaryDirectory()
        var lines: [String] = []
        for name in ["a", "b"] {
            let out = root.appendingPathComponent(name)
            XCTAssertEqual(try CLI.run(["--norm", "layer", "--epochs", "1", "--out", out.path] + CLI.quick).status, 0)
            let metrics = try String(contentsOf: out.appendingPathComponent("metrics.csv"), encoding: .utf8)
            // Everything but the timing columns.
            lines.append(metrics.split(separator: "\n")[1].split(separator: ",").prefix(6).joined(separator: ","))
        }
        XCTAssertEqual(lines[0], lines[1])
    }

    func testPredictPrintsTopClasses() throws {
        let out = try CLI.temporaryDirectory().appendingPathComponent("run")
        XCTAssertEqual(try CLI.run(["--norm", "instance", "--epochs", "1", "--out", out.path] + CLI.quick).status, 0)
        let images = try FileManager.default.contentsOfDirectory(atPath: Fixtures.url("images").path)
            .filter { $0.hasSuffix(".png") || $0.hasSuffix(".jpg") }.sorted().prefix(2).map { Fixtures.url("images/\($0)").path }
        XCTAssertFalse(images.isEmpty)
        let result = try CLI.run(["predict", out.path, "-k", "2"] + images)
        XCTAssertEqual(result.status, 0, result.error)
        XCTAssertEqual(result.output.split(separator: "\n").count, images.count, result.output)
        let json = try CLI.run(["predict", out.path, "--json"] + images)
        let decoded = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]]
        XCTAssertEqual(decoded?.count, images.count)
    }

    func testInfoPutsTheNormsSideBySide() throws {
        let result = try CLI.run(["info", "--model", "smallcnn", "--norm", "all"])
        XCTAssertEqual(result.status, 0, result.error)
        XCTAssertTrue(result.output.contains("25,088"), result.output)
        XCTAssertTrue(result.output.contains("468,010"), result.output)
    }
}

/// Reads the tensors of a safetensors file as raw bytes (enough to compare two checkpoints).
enum SafeTensorsBody {
    static func tensors(_ url: URL) throws -> [String: Data] {
        let data = try Data(contentsOf: url)
        let headerLength = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength))) as! [String: Any]
        var result: [String: Data] = [:]
        for (name, value) in header where name != "__metadata__" {
            let offsets = (value as! [String: Any])["data_offsets"] as! [Int]
            result[name] = data.subdata(in: (8 + headerLength + offsets[0])..<(8 + headerLength + offsets[1]))
        }
        return result
    }
}
