import CNNCore
import CNNExperiments
import CNNNorms
import XCTest

/// Prints the norm benchmark table (`CNNTRAIN_BENCH=1 swift test -c release --filter testPrintNormBenchmark`).
/// It only prints: timings on a shared machine are never asserted.
final class NormBenchmarkTests: XCTestCase {
    func testPrintNormBenchmark() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["CNNTRAIN_BENCH"] == "1", "set CNNTRAIN_BENCH=1 to run")
        let repetitions = Int(ProcessInfo.processInfo.environment["CNNTRAIN_BENCH_REPETITIONS"] ?? "") ?? 7
        print(normBenchmarkReport(batchSize: 64, repetitions: repetitions))
    }
}
