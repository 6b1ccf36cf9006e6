import CNNExperiments
import CNNNorms
import CNNTraining
import XCTest

/// The study grid: cell ids, learning-rate rules, aggregation over seeds, the report's tables.
final class StudyTests: XCTestCase {
    func testMeanAndSampleStandardDeviation() throws {
        // numpy: np.mean([0.8, 0.9, 0.85]) = 0.85, np.std([0.8, 0.9, 0.85], ddof=1) = 0.05
        let stat = try XCTUnwrap(MeanAndDeviation([0.8, 0.9, 0.85]))
        XCTAssertEqual(stat.mean, 0.85, accuracy: 1e-12)
        XCTAssertEqual(stat.standardDeviation, 0.05, accuracy: 1e-12)
        XCTAssertEqual(stat.count, 3)
        XCTAssertEqual(MeanAndDeviation([0.7])?.standardDeviation, 0)
        XCTAssertNil(MeanAndDeviation([]))
    }

    func testLinearRuleScalesWithBatchSizeOver64() {
        let rule = LearningRateRule.linear(base: 0.05)
        XCTAssertEqual(rule.rates(batchSize: 64), [0.05])
        XCTAssertEqual(rule.rates(batchSize: 2)[0], 0.0015625, accuracy: 1e-15)
        XCTAssertEqual(rule.rates(batchSize: 128)[0], 0.1, accuracy: 1e-15)
        XCTAssertEqual(LearningRateRule.fixed(base: 0.05).rates(batchSize: 2), [0.05])
        XCTAssertEqual(LearningRateRule.list([0.01, 0.1]).rates(batchSize: 8), [0.01, 0.1])
        XCTAssertTrue(rule.description.contains("× batch size / 64"), rule.description)
    }

    func testCellIdsAreStableAndOrdered() {
        let plan = StudyPlan(norms: [.batch, .group], batchSizes: [2, 32], rule: .linear(base: 0.05), seedCount: 2)
        let ids = plan.cells.map(\.id)
        XCTAssertEqual(
            ids,
            [
                "batch-b2-lr0.0015625-s1", "batch-b2-lr0.0015625-s2", "batch-b32-lr0.025-s1", "batch-b32-lr0.025-s2",
                "group-b2-lr0.0015625-s1", "group-b2-lr0.0015625-s2", "group-b32-lr0.025-s1", "group-b32-lr0.025-s2"
            ])
        XCTAssertEqual(plan.cells, plan.cells)
        XCTAssertEqual(StudyCell(norm: .none, batchSize: 64, learningRate: 0.05, seed: 3).id, "none-b64-lr0.05-s3")
        XCTAssertEqual(
            StudyPlan(norms: [.layer], batchSizes: [8], rule: .list([0.01, 0.1]), seedCount: 1).cells.map(\.id),
            ["layer-b8-lr0.01-s1", "layer-b8-lr0.1-s1"])
    }

    func testAggregationOverSeedsCountsFailuresAndSkipsThem() throws {
        func result(_ seed: Int, _ test: Double?, _ train: Double? = nil) -> CellResult {
            let cell = StudyCell(norm: .group, batchSize: 8, learningRate: 0.05, seed: seed)
            guard let test else { return CellResult(cell: cell, status: "failed", error: "training diverged") }
            var r = CellResult(cell: cell, status: "ok")
            r.testAccuracy = test
            r.trainAccuracy = train
            r.parameterCount = 10
            r.normParameterCount = 2
            return r
        }
        let other = CellResult(
            cell: StudyCell(norm: .batch, batchSize: 8, learningRate: 0.05, seed: 1), status: "failed", error: "x")
        let aggregates = CellAggregate.aggregate([result(1, 0.8, 0.9), result(2, 0.9, 0.95), result(3, nil), other])
        XCTAssertEqual(aggregates.count, 2)
        let group = aggregates[0]
        XCTAssertEqual(group.norm, .group)
        XCTAssertEqual(group.succeeded, 2)
        XCTAssertEqual(group.failed, 1)
        XCTAssertEqual(try XCTUnwrap(group.testAccuracy).mean, 0.85, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(group.testAccuracy).standardDeviation, (0.005).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(group.generalizationGap).mean, 0.075, accuracy: 1e-12)
        XCTAssertEqual(aggregates[1].succeeded, 0)
        XCTAssertNil(aggregates[1].testAccuracy)

        let plan = StudyPlan(norms: [.batch, .group], batchSizes: [8], rule: .fixed(base: 0.05), seedCount: 3)
        let report = StudyReport(
            command: "cnntrain compare", settings: StudySettings(), plan: plan, threads: 1,
            cells: [result(1, 0.8, 0.9), result(2, 0.9, 0.95), result(3, nil), other])
        XCTAssertTrue(report.markdown.contains("| group | 85.00 ± 7.07 (1 failed) |"), report.markdown)
        XCTAssertTrue(report.markdown.contains("| batch | failed |"), report.markdown)
        XCTAssertTrue(report.markdown.contains("| group-b8-lr0.05-s3 | training diverged |"), report.markdown)
        XCTAssertTrue(report.markdown.contains("fixed: every cell uses lr = 0.05"), report.markdown)
    }

    func testCSVQuotesErrorMessages() {
        let cell = StudyCell(norm: .none, batchSize: 8, learningRate: 50, seed: 1)
        let line = CellResult(cell: cell, status: "failed", error: "loss became \"NaN\", try a lower --lr").csvLine
        XCTAssertTrue(line.hasPrefix("none-b8-lr50-s1,none,8,50,,1,failed,"), line)
        XCTAssertTrue(line.hasSuffix(",\"loss became \"\"NaN\"\", try a lower --lr\""), line)
        XCTAssertEqual(CellResult.csvHeader.split(separator: ",").count, 21)
        XCTAssertEqual(
            line.split(separator: ",", omittingEmptySubsequences: false).count, 21 + 1, "the message has one comma")
    }
}
