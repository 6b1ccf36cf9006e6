import Foundation
import TestSupport
import XCTest

/// `cnntrain train --config FILE`: a typed run configuration, overridden by the options given with it.
final class ConfigFileTests: XCTestCase {
    func savedOptions(_ run: URL) throws -> [String: Any] {
        let config =
            try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("config.json")))
            as! [String: Any]
        return config["options"] as! [String: Any]
    }

    func writeConfig(_ fields: [String: Any], to url: URL) throws {
        // The defaults of every field (an earlier run's config.json), then `fields`.
        var options =
            try JSONSerialization.jsonObject(with: Data(contentsOf: Fixtures.url("configs/before-typed-options.json")))
            as! [String: Any]
        var values = options["options"] as! [String: Any]
        values["model"] = "smallcnn"
        values["data"] = Fixtures.url("data/idx").path
        values.merge(fields) { $1 }
        options = values
        try JSONSerialization.data(withJSONObject: options).write(to: url)
    }

    func testConfigFileTrainsItsRecipeAndOptionsOverrideIt() throws {
        let directory = try CLI.temporaryDirectory()
        let config = directory.appendingPathComponent("recipe.json")
        try writeConfig(
            ["norm": "instance", "optimizer": "adamw", "schedule": "step:1:0.5", "learningRate": 0.01, "epochs": 2],
            to: config)
        let run = directory.appendingPathComponent("run")
        let result = try CLI.run(["train", "--config", config.path, "--epochs", "1", "--out", run.path, "--quiet"])
        XCTAssertEqual(result.status, 0, result.error)
        let saved = try savedOptions(run)
        XCTAssertEqual(saved["norm"] as? String, "instance")
        XCTAssertEqual(saved["optimizer"] as? String, "adamw")
        XCTAssertEqual(saved["schedule"] as? String, "step:1:0.5")
        XCTAssertEqual(saved["epochs"] as? Int, 1, "the command line overrides the file")
        XCTAssertEqual(saved["threads"] as? Int, 1, "the file's thread count when --threads is not given")

        // A run's own config.json starts the same run again.
        let again = directory.appendingPathComponent("again")
        let second = try CLI.run([
            "train", "--config", run.appendingPathComponent("config.json").path, "--out", again.path, "--quiet"
        ])
        XCTAssertEqual(second.status, 0, second.error)
        XCTAssertEqual(try savedOptions(again) as NSDictionary, saved as NSDictionary)
    }

    func testBadConfigFilesAreBadInput() throws {
        let directory = try CLI.temporaryDirectory()
        let config = directory.appendingPathComponent("bad.json")
        try writeConfig(["norm": "grop"], to: config)
        let bad = try CLI.run(["train", "--config", config.path, "--out", directory.appendingPathComponent("run").path])
        XCTAssertEqual(bad.status, 64, bad.error)
        XCTAssertTrue(bad.error.contains(config.path) && bad.error.contains("norm"), bad.error)

        try writeConfig(["batchSize": 0], to: config)
        let zero = try CLI.run(["train", "--config", config.path, "--out", directory.appendingPathComponent("run").path]
        )
        XCTAssertEqual(zero.status, 64, zero.error)
        XCTAssertTrue(zero.error.contains("--batch-size 0 is not allowed"), zero.error)

        let resume = try CLI.run(["train", "--config", config.path, "--resume", directory.path])
        XCTAssertEqual(resume.status, 64, resume.error)
        XCTAssertTrue(resume.error.contains("--config cannot be given with it"), resume.error)
    }

    func testClipGradNormIsPartOfTheRecipe() throws {
        let directory = try CLI.temporaryDirectory()
        let run = directory.appendingPathComponent("run")
        let result = try CLI.run([
            "train", "--data", Fixtures.url("data/idx").path, "--clip-grad-norm", "0.5", "--epochs", "1",
            "--threads", "1", "--out", run.path, "--quiet"
        ])
        XCTAssertEqual(result.status, 0, result.error)
        XCTAssertEqual(try savedOptions(run)["clipGradientNorm"] as? Double, 0.5)
        let bad = try CLI.run(["train", "--clip-grad-norm", "0", "--out", directory.appendingPathComponent("bad").path])
        XCTAssertEqual(bad.status, 64, bad.error)
        XCTAssertTrue(bad.error.contains("--clip-grad-norm 0.0 is not allowed; use a positive number"), bad.error)
    }
}
