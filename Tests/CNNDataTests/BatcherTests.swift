import CNNCore
import CNNData
import XCTest

final class BatcherTests: XCTestCase {
    /// 10 RGB 2×3 images; image n has pixel value 10·n + c in channel c, label n % 4.
    func makeStore() -> ImageStore {
        var pixels: [UInt8] = []
        for n in 0..<10 { for c in 0..<3 { pixels += [UInt8](repeating: UInt8(10 * n + c), count: 6) } }
        return ImageStore(
            channels: 3, height: 2, width: 3, pixels: pixels, labels: (0..<10).map { Int32($0 % 4) },
            classNames: ["a", "b", "c", "d"])
    }

    func testNormalizationStatistics() {
        let store = ImageStore(
            channels: 2, height: 1, width: 2, pixels: [0, 255, 51, 51, 255, 0, 51, 51], labels: [0, 0],
            classNames: ["x"])
        let normalization = DatasetStatistics.compute(store)
        XCTAssertEqual(normalization.mean[0], 0.5, accuracy: 1e-6)
        XCTAssertEqual(normalization.std[0], 0.5, accuracy: 1e-6)
        XCTAssertEqual(normalization.mean[1], 0.2, accuracy: 1e-6)
        XCTAssertEqual(normalization.std[1], 1, "a constant channel gets std 1")
    }

    func testFillWritesNormalizedNCHW() {
        let store = makeStore()
        let normalization = DatasetStatistics(mean: [0.1, 0.2, 0.3], std: [0.5, 0.25, 2])
        let batcher = Batcher(store: store, batchSize: 4, shuffle: false, normalization: normalization)
        XCTAssertEqual(batcher.batchesPerEpoch, 3)
        var generator = SeededGenerator(seed: 1)
        batcher.startEpoch(generator: &generator)
        let images = Tensor(1)
        var labels: [Int32] = []
        batcher.fill(batch: 1, into: images, labels: &labels)
        XCTAssertEqual(images.shape, Shape(4, 3, 2, 3))
        XCTAssertEqual(labels, [0, 1, 2, 3])
        for k in 0..<4 {
            for c in 0..<3 {
                let expected = (Float(10 * (4 + k) + c) / 255 - normalization.mean[c]) / normalization.std[c]
                for p in 0..<6 { XCTAssertEqual(images[((k * 3) + c) * 6 + p], expected, accuracy: 1e-5) }
            }
        }
        batcher.fill(batch: 2, into: images, labels: &labels)
        XCTAssertEqual(images.shape, Shape(2, 3, 2, 3), "the short last batch")
        XCTAssertEqual(
            Batcher(store: store, batchSize: 4, shuffle: false, dropLast: true, normalization: normalization)
                .batchesPerEpoch, 2)
    }

    func epochLabels(seed: UInt64, augmentation: Augmentation?) -> ([Int32], [Float]) {
        let batcher = Batcher(
            store: makeStore(), batchSize: 3, shuffle: true, normalization: .identity(channels: 3),
            augmentation: augmentation)
        var generator = SeededGenerator(seed: seed)
        batcher.startEpoch(generator: &generator)
        let images = Tensor(1)
        var labels: [Int32] = [], all: [Int32] = [], values: [Float] = []
        for b in 0..<batcher.batchesPerEpoch {
            batcher.fill(batch: b, into: images, labels: &labels)
            all += labels
            values += images.array
        }
        return (all, values)
    }

    func testShuffleIsSeededAndAPermutation() {
        let (a, va) = epochLabels(seed: 5, augmentation: Augmentation(randomCropPadding: 1, horizontalFlip: true))
        let (b, vb) = epochLabels(seed: 5, augmentation: Augmentation(randomCropPadding: 1, horizontalFlip: true))
        XCTAssertEqual(a, b)
        XCTAssertEqual(va, vb)
        let (c, _) = epochLabels(seed: 6, augmentation: nil)
        XCTAssertNotEqual(a, c)
        XCTAssertEqual(a.sorted(), makeStore().labels.sorted())
    }

    func testCropPaddingAndFlip() {
        // One 1-channel 3×3 image 1…9; padding 1: some samples are shifted, padded with pixel 0.
        let store = ImageStore(
            channels: 1, height: 3, width: 3, pixels: (1...9).map { UInt8($0) }, labels: [0], classNames: ["x"])
        let batcher = Batcher(
            store: store, batchSize: 1, shuffle: false, normalization: .identity(channels: 1),
            augmentation: Augmentation(randomCropPadding: 1, horizontalFlip: true))
        var generator = SeededGenerator(seed: 9)
        var seen = Set<[Float]>()
        let images = Tensor(1)
        var labels: [Int32] = []
        for _ in 0..<200 {
            batcher.startEpoch(generator: &generator)
            batcher.fill(batch: 0, into: images, labels: &labels)
            let values = images.array.map { ($0 * 255).rounded() }
            // Every output is a shifted (and maybe mirrored) window: its nonzero values are a subset of 1…9.
            XCTAssertTrue(values.allSatisfy { (0...9).contains($0) })
            seen.insert(values)
        }
        XCTAssertTrue(seen.contains([3, 2, 1, 6, 5, 4, 9, 8, 7]), "a pure mirror occurs")
        XCTAssertTrue(seen.contains([0, 0, 0, 0, 1, 2, 0, 4, 5]), "a shift down-right with zero padding occurs")
        XCTAssertEqual(seen.count, 18, "9 offsets × 2 mirrors")
    }
}
