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

    /// A run killed with SIGKILL after its first epoch's checkpoint, then resumed, ends with the
    /// same (byte-identical) weights as the same run left alone.
    func testKilledAndResumedRunEndsWithTheSameWeights() throws {
        let root = try CLI.temporaryDirectory()
        let straight = root.appendingPathComponent("straight"), resumed = root.appendingPathComponent("resumed")
        let recipe = [
            "--norm", "batch", "--seed", "5", "--epochs", "3", "--train-limit", "4096", "--test-limit", "256",
            "--batch-size", "32", "--threads", "2", "--quiet"
        ]
        XCTAssertEqual(try CLI.run(recipe + ["--out", straight.path]).status, 0)

        let process = try CLI.start(recipe + ["--out", resumed.path])
        let metrics = resumed.appendingPathComponent("metrics.csv")
        // metrics.csv is written after the checkpoint: once it has an epoch line, kill mid-way through the next.
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, process.isRunning,
            ((try? String(contentsOf: metrics, encoding: .utf8))?.split(separator: "\n").count ?? 0) < 2
        {
            usleep(5_000)
        }
        XCTAssertTrue(process.isRunning, "the run finished before it could be interrupted")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)

        let second = try CLI.run(["--resume", resumed.path, "--quiet"])
        XCTAssertEqual(second.status, 0, second.error)
        let a = try SafeTensorsBody.tensors(straight.appendingPathComponent("checkpoint.safetensors"))
        let b = try SafeTensorsBody.tensors(resumed.appendingPathComponent("checkpoint.safetensors"))
        XCTAssertEqual(a.keys.sorted(), b.keys.sorted())
        for key in a.keys { XCTAssertEqual(a[key], b[key], "tensor \(key) differs after resume") }
        let lines = try String(contentsOf: metrics, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 4, "\(lines)")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: resumed.path).filter { $0.contains(".tmp") }
        XCTAssertEqual(leftovers, [], "no half-written files remain")
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
            .filter { $0.hasSuffix(".png") || $0.hasSuffix(".jpg") }.sorted().prefix(2).map {
                Fixtures.url("images/\($0)").path
            }
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

    /// `--json` is one JSON document: the resolved model, or with --norm all an array of six.
    func testInfoJSONIsOneDocument() throws {
        let one = try CLI.run(["info", "--norm", "group", "--json"])
        XCTAssertEqual(one.status, 0, one.error)
        let model = try JSONSerialization.jsonObject(with: Data(one.output.utf8)) as? [String: Any]
        XCTAssertEqual(model?["norm"] as? String, "group")
        let all = try CLI.run(["info", "--norm", "all", "--json"])
        XCTAssertEqual(all.status, 0, all.error)
        let models = try JSONSerialization.jsonObject(with: Data(all.output.utf8)) as? [[String: Any]]
        XCTAssertEqual(
            models?.compactMap { $0["norm"] as? String }, ["none", "batch", "layer", "instance", "group", "syncbatch"])
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
