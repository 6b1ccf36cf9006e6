import Foundation
import TestSupport
import XCTest

/// End-to-end `cnntrain study FILE`: a tiny study file with a grid axis, equal steps and the
/// train-eval subset; resumed without rerunning; a bad file refused before any cell runs.
final class StudyCommandTests: XCTestCase {
    func write(_ text: String, in directory: URL) throws -> String {
        let path = directory.appendingPathComponent("tiny.json").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testAStudyFileRunsItsGridIntoTheFolderBesideItAndResumes() throws {
        let directory = try CLI.temporaryDirectory()
        let file = try write(
            #"{"title": "tiny", "recipe": {"epochs": 1, "trainLimit": 128, "testLimit": 64, "steps": 3, "trainEvalImages": 32}, "norms": ["group"], "batchSizes": [16], "learningRate": {"fixed": {"base": 0.05}}, "grid": [{"key": "dropout", "values": [0, 0.5]}], "seeds": 2}"#,
            in: directory)
        let first = try CLI.run(["study", file, "--threads", "1", "--no-plots"])
        XCTAssertEqual(first.status, 0, first.error + first.output)
        let results = directory.appendingPathComponent("tiny/results.json")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: results)) as! [String: Any]
        let cells = json["cells"] as! [[String: Any]]
        XCTAssertEqual(
            cells.map { $0["id"] as! String },
            [
                "group-b16-lr0.05-dropout0-s1", "group-b16-lr0.05-dropout0-s2", "group-b16-lr0.05-dropout0.5-s1",
                "group-b16-lr0.05-dropout0.5-s2"
            ])
        for cell in cells {
            XCTAssertEqual(cell["steps"] as? Int, 3, "equal steps: \(cell)")
            XCTAssertNotNil(cell["trainEvalAccuracy"] as? Double, "inference-mode train accuracy: \(cell)")
            XCTAssertNotNil(cell["wallSeconds"] as? Double)
        }
        let configuration = try String(
            contentsOf: directory.appendingPathComponent("tiny/cells/group-b16-lr0.05-dropout0.5-s2/cell.json"),
            encoding: .utf8)
        XCTAssertTrue(configuration.contains("\"dropout\" : 0.5"), configuration)
        XCTAssertTrue(configuration.contains("\"seed\" : 2"), configuration)
        let report = try String(contentsOf: directory.appendingPathComponent("tiny/report.md"), encoding: .utf8)
        XCTAssertTrue(report.contains("| norm | dropout 0 | dropout 0.5 |"), report)
        XCTAssertTrue(report.contains("Over-fitting"), report)

        let second = try CLI.run(["study", file, "--threads", "1", "--no-plots"])
        XCTAssertEqual(second.status, 0, second.error)
        XCTAssertEqual(second.output.components(separatedBy: "kept (finished earlier)").count - 1, 4, second.output)
        let listed = try CLI.run(["study", file, "--list"])
        XCTAssertTrue(listed.output.contains("4 of 4 cells finished"), listed.output)
    }

    func testABadStudyFileIsRefusedNamingItBeforeAnyCellRuns() throws {
        let directory = try CLI.temporaryDirectory()
        let file = try write(
            #"{"title": "bad", "norms": ["group"], "grid": [{"key": "dropuot", "values": [0]}], "seeds": 3}"#,
            in: directory)
        let result = try CLI.run(["study", file])
        XCTAssertEqual(result.status, 64, result.output)
        XCTAssertTrue(result.error.contains(file), result.error)
        XCTAssertTrue(result.error.contains("'dropuot' is not a run option"), result.error)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("tiny").path))
    }
}
