import CNNTraining
import TestSupport
import XCTest

/// Learning-rate schedules: known values, agreement with torch's StepLR / CosineAnnealingLR /
/// LinearLR (golden values from scripts/golden/make_optim.py), and parsing.
final class ScheduleTests: XCTestCase {
    func rates(_ schedule: LearningRateSchedule, totalSteps: Int, stepsPerEpoch: Int) -> [Float] {
        (0..<totalSteps).map { schedule.rate(step: $0, totalSteps: totalSteps, stepsPerEpoch: stepsPerEpoch) }
    }

    func testConstant() {
        let schedule = LearningRateSchedule(baseRate: 0.1)
        XCTAssertEqual(rates(schedule, totalSteps: 10, stepsPerEpoch: 3), Array(repeating: 0.1, count: 10))
    }

    func testStepDecayAtEpochBoundaries() {
        let schedule = LearningRateSchedule(baseRate: 1, decay: .step(epochCount: 2, gamma: 0.5))
        // 4 steps per epoch: epochs 0–1 → 1, epochs 2–3 → 0.5, epoch 4 → 0.25.
        XCTAssertEqual(schedule.rate(step: 7, totalSteps: 100, stepsPerEpoch: 4), 1)
        XCTAssertEqual(schedule.rate(step: 8, totalSteps: 100, stepsPerEpoch: 4), 0.5)
        XCTAssertEqual(schedule.rate(step: 15, totalSteps: 100, stepsPerEpoch: 4), 0.5)
        XCTAssertEqual(schedule.rate(step: 16, totalSteps: 100, stepsPerEpoch: 4), 0.25)
    }

    func testCosineEndpointsAndMidpoint() {
        let schedule = LearningRateSchedule(baseRate: 0.2, decay: .cosine(floor: 0))
        XCTAssertEqual(schedule.rate(step: 0, totalSteps: 100, stepsPerEpoch: 10), 0.2, accuracy: 1e-7)
        XCTAssertEqual(schedule.rate(step: 50, totalSteps: 100, stepsPerEpoch: 10), 0.1, accuracy: 1e-7)
        XCTAssertEqual(schedule.rate(step: 100, totalSteps: 100, stepsPerEpoch: 10), 0, accuracy: 1e-7)
        let floored = LearningRateSchedule(baseRate: 0.2, decay: .cosine(floor: 0.1))
        XCTAssertEqual(
            floored.rate(step: 50, totalSteps: 100, stepsPerEpoch: 10), 0.2 * (0.1 + 0.9 * 0.5), accuracy: 1e-7)
        XCTAssertEqual(floored.rate(step: 100, totalSteps: 100, stepsPerEpoch: 10), 0.02, accuracy: 1e-7)
    }

    func testWarmupThenCosine() {
        let schedule = LearningRateSchedule(
            baseRate: 1, decay: .cosine(floor: 0), warmupSteps: 10, warmupStartFactor: 0.1)
        XCTAssertEqual(schedule.rate(step: 0, totalSteps: 110, stepsPerEpoch: 10), 0.1, accuracy: 1e-7)
        XCTAssertEqual(schedule.rate(step: 5, totalSteps: 110, stepsPerEpoch: 10), 0.55, accuracy: 1e-7)
        XCTAssertEqual(schedule.rate(step: 10, totalSteps: 110, stepsPerEpoch: 10), 1, accuracy: 1e-7)
        // The cosine runs over the 100 steps after the warm-up: its midpoint is step 60.
        XCTAssertEqual(schedule.rate(step: 60, totalSteps: 110, stepsPerEpoch: 10), 0.5, accuracy: 1e-7)
        XCTAssertEqual(schedule.rate(step: 110, totalSteps: 110, stepsPerEpoch: 10), 0, accuracy: 1e-7)
    }

    func testMatchesTorchSchedulers() throws {
        let golden = try GoldenFile("optim")
        func check(_ caseName: String, _ schedule: LearningRateSchedule, stepsPerEpoch: Int) throws {
            let expected = try golden.entry(caseName, "rates").values.map(Float.init)
            assertClose(rates(schedule, totalSteps: expected.count, stepsPerEpoch: stepsPerEpoch), expected, caseName)
        }
        try check(
            "schedule_step", LearningRateSchedule(baseRate: 0.1, decay: .step(epochCount: 2, gamma: 0.1)),
            stepsPerEpoch: 3)
        try check("schedule_cosine", LearningRateSchedule(baseRate: 0.1, decay: .cosine(floor: 0.05)), stepsPerEpoch: 3)
        try check(
            "schedule_warmup", LearningRateSchedule(baseRate: 0.1, warmupSteps: 5, warmupStartFactor: 0.1),
            stepsPerEpoch: 3)
    }

    func testParse() throws {
        XCTAssertEqual(
            try LearningRateSchedule.parse(decay: "constant", baseRate: 0.1), LearningRateSchedule(baseRate: 0.1))
        XCTAssertEqual(
            try LearningRateSchedule.parse(decay: "step:3:0.1", baseRate: 0.1).decay, .step(epochCount: 3, gamma: 0.1))
        XCTAssertEqual(try LearningRateSchedule.parse(decay: "cosine", baseRate: 0.1).decay, .cosine(floor: 0))
        XCTAssertEqual(try LearningRateSchedule.parse(decay: "cosine:0.01", baseRate: 0.1).decay, .cosine(floor: 0.01))
        let warm = try LearningRateSchedule.parse(decay: "cosine", warmup: "500:0.2", baseRate: 0.1)
        XCTAssertEqual(warm.warmupSteps, 500)
        XCTAssertEqual(warm.warmupStartFactor, 0.2)
        XCTAssertEqual(
            try LearningRateSchedule.parse(decay: "cosine", warmup: "200", baseRate: 0.1).warmupStartFactor, 0.1)
        // Names round-trip through parse.
        for text in ["constant", "cosine", "cosine:0.01", "step:3:0.1"] {
            XCTAssertEqual(try LearningRateSchedule.parse(decay: text, baseRate: 1).decayName, text)
        }
    }

    func testParseErrorsSayWhatIsAllowed() {
        for text in ["linear", "step", "step:0:0.1", "step:3:-1", "step:3", "cosine:2", "cosine:x:y", ""] {
            XCTAssertThrowsError(try LearningRateSchedule.parse(decay: text, baseRate: 0.1), text) { error in
                XCTAssertTrue("\(error)".contains("allowed: constant | step:EPOCHS:GAMMA"), "\(text): \(error)")
            }
        }
        for text in ["-1", "abc", "10:2", "10:0.1:3"] {
            XCTAssertThrowsError(try LearningRateSchedule.parse(decay: "constant", warmup: text, baseRate: 0.1), text) {
                error in
                XCTAssertTrue("\(error)".contains("allowed: STEPS or STEPS:START_FACTOR"), "\(text): \(error)")
            }
        }
        XCTAssertThrowsError(try LearningRateSchedule.parse(decay: "constant", baseRate: 0))
    }
}
