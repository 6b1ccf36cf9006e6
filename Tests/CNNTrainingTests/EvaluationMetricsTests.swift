import CNNTraining
import XCTest

/// Per-class precision, recall and F1 of `cnntrain eval` (issue 12), checked against their
/// definitions on a confusion matrix, and the undefined cases.
final class EvaluationMetricsTests: XCTestCase {
    func testPrecisionRecallAndF1FollowTheirDefinitions() throws {
        // confusion[true][predicted]; class 2 is never predicted, class 3 has no images.
        let confusion = [[5, 1, 0, 0], [2, 6, 0, 2], [1, 3, 0, 0], [0, 0, 0, 0]]
        let result = EvaluationResult(
            loss: 0.5, accuracy: 11.0 / 20.0, count: 20, confusion: confusion, classNames: ["a", "b", "c", "d"])
        for c in 0..<4 {
            let truePositives = Double(confusion[c][c])
            let predicted = Double(confusion.map { $0[c] }.reduce(0, +)), actual = Double(confusion[c].reduce(0, +))
            let metrics = result.perClass[c]
            XCTAssertEqual(metrics.images, Int(actual))
            XCTAssertEqual(metrics.precision, predicted == 0 ? nil : truePositives / predicted)
            XCTAssertEqual(metrics.recall, actual == 0 ? nil : truePositives / actual)
            if let p = metrics.precision, let r = metrics.recall {
                XCTAssertEqual(try XCTUnwrap(metrics.f1), p + r == 0 ? 0 : 2 * p * r / (p + r), accuracy: 1e-12)
            } else {
                XCTAssertNil(metrics.f1)
            }
        }
        XCTAssertEqual(result.perClass[0].precision, 5.0 / 8.0)
        XCTAssertEqual(result.perClass[1].recall, 6.0 / 10.0)
        XCTAssertNil(result.perClass[2].precision, "never predicted: undefined, not 0")
        XCTAssertEqual(result.perClass[3].precision, 0, "predicted twice, never right")
        XCTAssertNil(result.perClass[3].recall, "no images")
        XCTAssertEqual(try XCTUnwrap(result.macroRecall), (5.0 / 6 + 6.0 / 10 + 0) / 3, accuracy: 1e-12)
        // Encoded for `eval --json`.
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(result)) as? [String: Any]
        XCTAssertEqual((json?["perClass"] as? [[String: Any]])?.count, 4)
        XCTAssertNotNil(json?["macroF1"])
        XCTAssertTrue(EvaluationReport(result: result).markdown.contains("| c | – | 0.0% | – | 4 |"))
    }
}
