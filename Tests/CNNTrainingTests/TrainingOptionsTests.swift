import CNNModels
import CNNNorms
import CNNTraining
import Foundation
import TestSupport
import XCTest

/// The typed run configuration: its JSON form is that of earlier versions, and its one `validate()`.
final class TrainingOptionsTests: XCTestCase {
    func jsonObject(_ data: Data) throws -> NSDictionary {
        try JSONSerialization.jsonObject(with: data) as! NSDictionary
    }

    /// A config.json written before the fields were typed (strings for norm, position, optimizer,
    /// schedule) decodes to typed values and encodes back to the same JSON.
    func testOldConfigDecodesAndEncodesToTheSameJSON() throws {
        let path = Fixtures.url("configs/before-typed-options.json").path
        let options = try TrainingOptions.read(path)
        XCTAssertEqual(options.norm, .batch)
        XCTAssertEqual(options.normPosition, .before)
        XCTAssertEqual(options.optimizer, .sgd)
        XCTAssertEqual(options.schedule, .cosine(floor: 0))
        XCTAssertEqual(options.batchSize, 2)
        XCTAssertNil(options.groups)
        let old = try jsonObject(Data(contentsOf: URL(fileURLWithPath: path)))["options"] as! NSDictionary
        XCTAssertEqual(try jsonObject(JSONEncoder().encode(options)), old)
        // The run directory reads it as a whole config.json too (options and model).
        XCTAssertEqual(try RunDirectory.readConfig(path).options, options)
    }

    func testEnumsAndScheduleCodeAsTheirText() throws {
        var options = TrainingOptions()
        options.norm = .instance
        options.normPosition = .after
        options.optimizer = .adamw
        options.schedule = .step(epochCount: 3, gamma: 0.1)
        let json = try jsonObject(JSONEncoder().encode(options))
        XCTAssertEqual(json["norm"] as? String, "instance")
        XCTAssertEqual(json["normPosition"] as? String, "after")
        XCTAssertEqual(json["optimizer"] as? String, "adamw")
        XCTAssertEqual(json["schedule"] as? String, "step:3:0.1")
        XCTAssertEqual(try JSONDecoder().decode(TrainingOptions.self, from: JSONEncoder().encode(options)), options)
        for text in ["constant", "cosine", "cosine:0.01", "step:2:0.5"] {
            XCTAssertEqual(try LearningRateSchedule.Decay(parsing: text).name, text)
        }
    }

    func testAFileWithABadValueNamesTheFileAndTheField() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("options-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var json = try jsonObject(JSONEncoder().encode(TrainingOptions())) as! [String: Any]
        json["schedule"] = "wavy"
        let wavy = directory.appendingPathComponent("wavy.json")
        try JSONSerialization.data(withJSONObject: json).write(to: wavy)
        XCTAssertThrowsError(try TrainingOptions.read(wavy.path)) { error in
            XCTAssertTrue(
                "\(error)".contains(wavy.path) && "\(error)".contains("schedule") && "\(error)".contains("cosine"),
                "\(error)")
        }
        json["schedule"] = "cosine"
        json["epochs"] = 0
        let zero = directory.appendingPathComponent("zero.json")
        try JSONSerialization.data(withJSONObject: json).write(to: zero)
        XCTAssertThrowsError(try TrainingOptions.read(zero.path)) { error in
            XCTAssertTrue("\(error)".contains("--epochs 0 is not allowed; use 1 or more"), "\(error)")
        }
    }

    func testValidateNamesTheOptionAndWhatIsAllowed() {
        func message(_ change: (inout TrainingOptions) -> Void) -> String {
            var options = TrainingOptions()
            change(&options)
            do { try options.validate(); return "" } catch { return "\(error)" }
        }
        XCTAssertEqual(message { _ in }, "")
        XCTAssertEqual(message { $0.batchSize = 0 }, "--batch-size 0 is not allowed; use 1 or more")
        XCTAssertEqual(message { $0.learningRate = -1 }, "--lr -1.0 is not allowed; use a positive number")
        XCTAssertEqual(message { $0.momentum = 1 }, "--momentum 1.0 is not allowed; use 0 ≤ m < 1")
        XCTAssertEqual(message { $0.groups = 0 }, "--groups 0 is not allowed; use 1 or more")
        XCTAssertEqual(message { $0.threads = 0 }, "--threads 0 is not allowed; use 1 to 256")
        XCTAssertEqual(
            message { $0.validationFraction = 1 },
            "--validation-fraction 1.0 is not allowed; use a number between 0 and 1")
        XCTAssertTrue(message { $0.schedule = .cosine(floor: 2) }.contains("FLOOR"))
    }
}
