import CNNCore
import CNNData
import CNNLayers

/// Precision, recall and F1 of one class, from the confusion matrix (as scikit-learn's
/// `classification_report`): precision = TP / (TP + FP), recall = TP / (TP + FN),
/// F1 = 2·P·R / (P + R). A ratio whose denominator is 0 is nil (no images of the class, or no
/// prediction of it), never a silent 0.
public struct ClassMetrics: Codable, Sendable, Equatable {
    public var name: String
    /// Test images of the class (TP + FN), scikit-learn's "support".
    public var images: Int
    public var precision: Double?
    public var recall: Double?
    public var f1: Double?
}

/// Accuracy, loss, confusion matrix and per-class metrics of a model on a dataset, in inference mode.
public struct EvaluationResult: Codable, Sendable {
    public var loss: Double
    public var accuracy: Double
    public var count: Int
    /// confusion[true class][predicted class]
    public var confusion: [[Int]]
    public var classNames: [String]
    /// One entry per class, in label order.
    public var perClass: [ClassMetrics]
    /// Unweighted means over the classes whose value is defined (scikit-learn's "macro avg").
    public var macroPrecision: Double?
    public var macroRecall: Double?
    public var macroF1: Double?

    public init(loss: Double, accuracy: Double, count: Int, confusion: [[Int]], classNames: [String]) {
        self.loss = loss
        self.accuracy = accuracy
        self.count = count
        self.confusion = confusion
        self.classNames = classNames
        perClass = classNames.indices.map { c in
            let truePositives = confusion[c][c]
            let actual = confusion[c].reduce(0, +)
            let predicted = confusion.reduce(0) { $0 + $1[c] }
            let precision = predicted == 0 ? nil : Double(truePositives) / Double(predicted)
            let recall = actual == 0 ? nil : Double(truePositives) / Double(actual)
            var f1: Double? = nil
            if let precision, let recall {
                f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
            }
            return ClassMetrics(name: classNames[c], images: actual, precision: precision, recall: recall, f1: f1)
        }
        func mean(_ values: [Double?]) -> Double? {
            let defined = values.compactMap { $0 }
            return defined.isEmpty ? nil : defined.reduce(0, +) / Double(defined.count)
        }
        macroPrecision = mean(perClass.map(\.precision))
        macroRecall = mean(perClass.map(\.recall))
        macroF1 = mean(perClass.map(\.f1))
    }

    /// Accuracy of each class (nil where the class has no images).
    public var perClassAccuracy: [Double?] {
        confusion.indices.map { c in
            let total = confusion[c].reduce(0, +)
            return total == 0 ? nil : Double(confusion[c][c]) / Double(total)
        }
    }
}

public enum Evaluator {
    /// Runs `model` over every image of `store` in batches, in inference mode.
    public static func evaluate(
        _ model: Sequential, store: ImageStore, normalization: DatasetStatistics,
        batchSize: Int = 256
    ) -> EvaluationResult {
        let classCount = store.classNames.count
        var confusion = Array(repeating: Array(repeating: 0, count: classCount), count: classCount)
        let batcher = Batcher(store: store, batchSize: batchSize, shuffle: false, normalization: normalization)
        let images = Tensor(shape: Shape(batchSize, store.channels, store.height, store.width))
        var labels: [Int32] = []
        let loss = SoftmaxCrossEntropy()
        var lossSum = 0.0
        for batch in 0..<batcher.batchesPerEpoch {
            batcher.fill(batch: batch, into: images, labels: &labels)
            let logits = model.forward(images, mode: .inference)
            let (batchLoss, _) = loss.forward(logits: logits, labels: labels)
            lossSum += Double(batchLoss) * Double(labels.count)
            let width = logits.shape.sampleCount
            for row in 0..<labels.count {
                let scores = logits.data + row * width
                var best = 0
                for c in 1..<width where scores[c] > scores[best] { best = c }
                confusion[Int(labels[row])][best] += 1
            }
        }
        let correct = confusion.indices.reduce(0) { $0 + confusion[$1][$1] }
        return EvaluationResult(
            loss: store.count > 0 ? lossSum / Double(store.count) : 0,
            accuracy: store.count > 0 ? Double(correct) / Double(store.count) : 0,
            count: store.count, confusion: confusion, classNames: store.classNames)
    }
}
