/// A training option whose value a run does not accept; the message names the option and says what
/// is allowed.
public struct InvalidOption: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}

extension TrainingOptions {
    /// Checks every value against what a run accepts, the one check of every entry point (the
    /// command line, `--config` files, studies, speed probes, the trainer itself).
    /// - Throws: `InvalidOption` naming the command-line option, e.g. "--epochs 0 is not allowed; use 1 or more".
    public func validate() throws {
        func check(_ condition: Bool, _ message: @autoclosure () -> String) throws {
            if !condition { throw InvalidOption(message()) }
        }
        try check(epochs >= 1, "--epochs \(epochs) is not allowed; use 1 or more")
        try check(batchSize >= 1, "--batch-size \(batchSize) is not allowed; use 1 or more")
        try check(learningRate > 0 && learningRate.isFinite, "--lr \(learningRate) is not allowed; use a positive number")
        try check(momentum >= 0 && momentum < 1, "--momentum \(momentum) is not allowed; use 0 ≤ m < 1")
        try check(weightDecay >= 0 && weightDecay.isFinite, "--weight-decay \(weightDecay) is not allowed; use a finite number, 0 or more")
        try check(warmupSteps >= 0, "--warmup \(warmupSteps) is not allowed; use 0 or more")
        try check(labelSmoothing >= 0 && labelSmoothing < 1, "--label-smoothing \(labelSmoothing) is not allowed; use 0 ≤ s < 1")
        if let groups { try check(groups >= 1, "--groups \(groups) is not allowed; use 1 or more") }
        try check((1...256).contains(threads), "--threads \(threads) is not allowed; use 1 to 256")
        if let trainLimit { try check(trainLimit >= 1, "--train-limit \(trainLimit) is not allowed; use 1 or more") }
        if let testLimit { try check(testLimit >= 1, "--test-limit \(testLimit) is not allowed; use 1 or more") }
        try check(validationFraction > 0 && validationFraction < 1,
                  "--validation-fraction \(validationFraction) is not allowed; use a number between 0 and 1")
        try schedule.validate()
    }
}
