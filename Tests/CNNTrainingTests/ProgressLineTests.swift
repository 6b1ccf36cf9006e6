import CNNTraining
import XCTest

/// The live progress bar fits the terminal, so it redraws in place instead of wrapping.
final class ProgressLineTests: XCTestCase {
    func line(columns: Int, steps: Int = 938, imagesPerSecond: Double = 12_345) -> String {
        ProgressPrinter.barLine(
            epoch: 10, epochs: 10, step: 469, steps: steps, loss: 0.4321, accuracy: 0.875,
            imagesPerSecond: imagesPerSecond, secondsLeft: 3_725, columns: columns)
    }

    func testTheLineIsShorterThanTheTerminal() {
        for columns in [20, 40, 60, 80, 100, 200] {
            XCTAssertLessThan(line(columns: columns).count, columns, "\(columns) columns: '\(line(columns: columns))'")
            XCTAssertLessThan(line(columns: columns, steps: 1_000_000, imagesPerSecond: 1e7).count, columns)
        }
    }

    func testAnEightyColumnTerminalKeepsEveryField() {
        let text = line(columns: 80)
        for field in ["epoch 10/10", "469/938", "loss 0.4321", "acc  87.5%", "12345 img/s", "ETA 1:02:05"] {
            XCTAssertTrue(text.contains(field), "'\(field)' missing from '\(text)'")
        }
    }

    func testAWideTerminalGetsTheFullBarHalfFilled() {
        let text = line(columns: 200)
        XCTAssertTrue(text.contains(String(repeating: "█", count: 12) + String(repeating: "·", count: 12)), text)
    }

    func testANarrowTerminalDropsTheETAFirst() {
        let text = line(columns: 50)
        XCTAssertTrue(text.contains("loss 0.4321"), text)
        XCTAssertFalse(text.contains("ETA"), text)
    }
}
