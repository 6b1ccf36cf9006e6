import CNNCore
import CNNLayers
import XCTest

/// Prints the conv kernel benchmark (`CNNTRAIN_BENCH=1 swift test -c release --skip-build
/// --filter testPrintConvBenchmark`); skipped otherwise. Not a timed assertion.
final class ConvBenchmarkTests: XCTestCase {
    func testPrintConvBenchmark() throws {
        guard ProcessInfo.processInfo.environment["CNNTRAIN_BENCH"] == "1" else {
            throw XCTSkip("set CNNTRAIN_BENCH=1 to run the conv benchmark")
        }
        let repetitions = ProcessInfo.processInfo.environment["CNNTRAIN_BENCH_REPS"].flatMap(Int.init) ?? 5
        print(convBenchmarkReport(repetitions: repetitions))
    }
}
