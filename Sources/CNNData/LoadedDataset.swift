import CNNCore
import Foundation
import ImageIO

/// A loaded dataset: train and test stores with the same geometry and class names.
public struct LoadedDataset {
    public let source: DatasetSource
    public let train: ImageStore
    public let test: ImageStore
    /// One line per skipped or noteworthy file, each naming it.
    public let warnings: [String]
    /// Files that could not be decoded and were left out.
    public let skippedCount: Int
    /// True when the decoded pixels came from the cache.
    public let fromCache: Bool
    /// Which images `test` holds, for the user: "test/ (1000 images)", "the t10k files", "a seeded
    /// 10% validation split of the training images (seed 1)".
    public let heldOut: String

    public init(
        source: DatasetSource, train: ImageStore, test: ImageStore, warnings: [String], skippedCount: Int,
        fromCache: Bool, heldOut: String
    ) {
        self.source = source
        self.train = train
        self.test = test
        self.warnings = warnings
        self.skippedCount = skippedCount
        self.fromCache = fromCache
        self.heldOut = heldOut
    }

    public var classNames: [String] { train.classNames }

    /// One line: "Fashion-MNIST … 60000 train / 10000 test, 1×28×28, 10 classes".
    public var summary: String {
        var text =
            "\(source): \(train.count) train / \(test.count) test images, \(train.channels)×\(train.height)×\(train.width), \(classNames.count) classes"
        if skippedCount > 0 { text += ", \(skippedCount) file\(skippedCount == 1 ? "" : "s") skipped" }
        if fromCache { text += " (from cache)" }
        return text + "; held-out set: " + heldOut
    }
}
