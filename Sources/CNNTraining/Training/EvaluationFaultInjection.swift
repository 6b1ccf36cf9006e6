import Foundation

/// Test-only fault injection for the end-of-epoch test evaluation, driven by one environment
/// variable that normal runs never set:
///
///     CNNTRAIN_TEST_EVALUATION_FAULT=nan:<epoch>
///
/// The test loss of that epoch reads as NaN, as when weights whose training losses were all finite
/// overflow on the test set. Finding a real recipe that does this depends on the exact images and
/// summation order, so a test that relied on one broke whenever either changed.
enum EvaluationFaultInjection {
    static let variable = "CNNTRAIN_TEST_EVALUATION_FAULT"

    /// The epoch whose test loss is replaced; nil in every normal run.
    static let nanEpoch: Int? = {
        guard let text = ProcessInfo.processInfo.environment[variable] else { return nil }
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts[0] == "nan", let epoch = Int(parts[1]), epoch >= 1 else {
            FileHandle.standardError.write(Data("warning: \(variable)=\(text) ignored; use nan:<epoch ≥ 1>\n".utf8))
            return nil
        }
        return epoch
    }()

    /// The test loss as the trainer should see it in `epoch`.
    static func testLoss(_ loss: Double, epoch: Int) -> Double {
        nanEpoch == epoch ? .nan : loss
    }
}
