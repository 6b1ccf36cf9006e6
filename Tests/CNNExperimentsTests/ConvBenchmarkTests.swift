import CNNExperiments
import Foundation
import XCTest

/// Prints the conv kernel benchmark (`CNNTRAIN_BENCH=1 swift test -c release --skip-build --filter
/// ConvBenchmarkTests`; `CNNTRAIN_BENCH_REPS` sets the repetitions); skipped otherwise.
final class ConvBenchmarkTests: XCTestCase {
    func testPrintConvBenchmark() throws {
        guard ProcessInfo.processInfo.environment["CNNTRAIN_BENCH"] == "1" else {
            throw XCTSkip("set CNNTRAIN_BENCH=1 to run the benchmarks")
        }
        let repetitions = ProcessInfo.processInfo.environment["CNNTRAIN_BENCH_REPS"].flatMap(Int.init) ?? 5
        print(convBenchmarkReport(repetitions: repetitions))
    }
}
