import CNNCore
import CNNData
import CNNLayers

/// Accuracy, loss and confusion matrix of a model on a dataset, in inference mode.
public struct EvaluationResult: Codable, Sendable {
    public var loss: Double
    public var accuracy: Double
    public var count: Int
    /// confusion[true class][predicted class]
    public var confusion: [[Int]]
    public var classNames: [String]

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
    public static func evaluate(_ model: Sequential, store: ImageStore, normalization: DatasetStatistics,
                                batchSize: Int = 256) -> EvaluationResult {
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
        return EvaluationResult(loss: store.count > 0 ? lossSum / Double(store.count) : 0,
                                accuracy: store.count > 0 ? Double(correct) / Double(store.count) : 0,
                                count: store.count, confusion: confusion, classNames: store.classNames)
    }
}
