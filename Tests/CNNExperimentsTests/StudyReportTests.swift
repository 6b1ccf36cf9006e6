import CNNExperiments
import CNNNorms
import CNNTraining
import Foundation
import XCTest

/// report.md of `cnntrain compare`: the PyTorch table's own failures, the generalization gap
/// explained, the plots linked.
final class StudyReportTests: XCTestCase {
    func cell(_ norm: NormKind, ok: Bool, torch: Double?) -> CellResult {
        let studyCell = StudyCell(norm: norm, batchSize: 8, learningRate: 0.05, seed: 1)
        var result =
            ok
            ? CellResult(cell: studyCell, status: "ok")
            : CellResult(cell: studyCell, status: "failed", error: "training diverged")
        if ok { result.testAccuracy = 0.8; result.trainAccuracy = 0.7 }
        if let torch { result.torchTestAccuracy = torch } else { result.torchError = "torch: loss is NaN" }
        return result
    }

    func report(_ cells: [CellResult]) -> StudyReport {
        let plan = StudyPlan(norms: cells.map(\.cell.norm), batchSizes: [8], rule: .fixed(base: 0.05), seedCount: 1)
        return StudyReport(command: "cnntrain compare", settings: StudySettings(), plan: plan, threads: 1, cells: cells)
    }

    /// The PyTorch table marks the cells PyTorch failed, not the ones cnntrain failed.
    func testThePyTorchTableTakesItsFailuresFromPyTorch() {
        let markdown = report([cell(.batch, ok: false, torch: 0.9), cell(.group, ok: true, torch: nil)]).markdown
        let torchTable = markdown.components(separatedBy: "## PyTorch test accuracy")[1].components(separatedBy: "##")[
            0]
        XCTAssertTrue(torchTable.contains("| batch | 90.00 |"), torchTable)
        XCTAssertTrue(torchTable.contains("| group | failed |"), torchTable)
        let ownTable = markdown.components(separatedBy: "## Test accuracy")[1].components(separatedBy: "##")[0]
        XCTAssertTrue(ownTable.contains("| batch | failed |"), ownTable)
        XCTAssertTrue(ownTable.contains("| group | 80.00 |"), ownTable)
    }

    func testTheGapTableSaysWhyItCanBeNegative() {
        let markdown = report([cell(.group, ok: true, torch: 0.8)]).markdown
        let gap = markdown.components(separatedBy: "## Running train accuracy − test accuracy")[1].components(
            separatedBy: "##")[0]
        XCTAssertTrue(gap.contains("| group | -10.00 |"), gap)
        XCTAssertTrue(gap.contains("training mode"), gap)
        XCTAssertTrue(gap.contains("inference mode"), gap)
        XCTAssertTrue(gap.contains("negative"), gap)
    }

    func testThePlotsInTheStudyFolderAreLinked() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "cnntrain-plots-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for name in ["accuracy_vs_batch.png", "throughput.png"] {
            FileManager.default.createFile(atPath: directory.appendingPathComponent(name).path, contents: Data([0]))
        }
        var study = report([cell(.group, ok: true, torch: 0.8)])
        XCTAssertFalse(study.markdown.contains(".png"), "no plots, no links")
        study.plots = StudyReport.plotNames(in: directory.path)
        XCTAssertEqual(study.plots, ["accuracy_vs_batch.png", "throughput.png"])
        try study.write(to: directory.path)
        let written = try String(contentsOf: directory.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(written.contains("](accuracy_vs_batch.png)"), written)
        XCTAssertTrue(written.contains("](throughput.png)"), written)
        XCTAssertFalse(written.contains("learning_curves.png"), written)
    }
}
