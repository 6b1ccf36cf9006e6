import Foundation

/// One line of `metrics.csv`: how an epoch went.
public struct EpochRecord: Codable, Equatable, Sendable {
    public var epoch: Int
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var testLoss: Double
    public var testAccuracy: Double
    public var learningRate: Double
    /// Seconds of training (without evaluation).
    public var seconds: Double
    public var imagesPerSecond: Double
    /// Accuracy and loss on the fixed training subset (`TrainingOptions.trainEvalImages`), in
    /// inference mode after the epoch; nil when it is off.
    public var trainEvalAccuracy: Double? = nil
    public var trainEvalLoss: Double? = nil

    public static let csvHeader =
        "epoch,train_loss,train_accuracy,test_loss,test_accuracy,learning_rate,seconds,images_per_second,train_eval_accuracy,train_eval_loss"

    /// The train-eval columns are last (empty when not measured), so readers by position still
    /// find the earlier ones where they were.

    public var csvLine: String {
        [
            String(epoch), fmt(trainLoss, 6), fmt(trainAccuracy, 6), fmt(testLoss, 6), fmt(testAccuracy, 6),
            fmt(learningRate, 6), fmt(seconds, 3), fmt(imagesPerSecond, 1),
            trainEvalAccuracy.map { fmt($0, 6) } ?? "", trainEvalLoss.map { fmt($0, 6) } ?? ""
        ].joined(separator: ",")
    }

    private func fmt(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
}
