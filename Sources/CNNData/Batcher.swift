import CNNCore

/// A dataset's per-channel mean and standard deviation of pixel/255, as torchvision's `Normalize` takes them.
/// A batch holds (pixel/255 − mean[c]) / std[c].
public struct DatasetStatistics: Equatable, Sendable {
    public var mean: [Float]
    public var std: [Float]

    public init(mean: [Float], std: [Float]) {
        precondition(mean.count == std.count && !mean.isEmpty, "mean and std need one value per channel")
        precondition(std.allSatisfy { $0 > 0 }, "std must be positive, got \(std)")
        self.mean = mean
        self.std = std
    }

    /// mean 0, std 1: batches hold pixel/255.
    public static func identity(channels: Int) -> DatasetStatistics {
        DatasetStatistics(mean: [Float](repeating: 0, count: channels), std: [Float](repeating: 1, count: channels))
    }

    /// Mean and population standard deviation (biased, over N·H·W) per channel of pixel/255 over
    /// the whole store, summed exactly in integers. A constant channel gets std 1 (not 0).
    public static func compute(_ store: ImageStore) -> DatasetStatistics {
        let C = store.channels, plane = store.height * store.width
        var sums = [UInt64](repeating: 0, count: C), squares = [UInt64](repeating: 0, count: C)
        store.pixels.withUnsafeBufferPointer { pixels in
            for n in 0..<store.count {
                for c in 0..<C {
                    let base = pixels.baseAddress! + (n * C + c) * plane
                    var sum: UInt64 = 0, square: UInt64 = 0
                    for p in 0..<plane { let v = UInt64(base[p]); sum += v; square += v * v }
                    sums[c] += sum
                    squares[c] += square
                }
            }
        }
        let total = Double(max(1, store.count * plane))
        var mean: [Float] = [], std: [Float] = []
        for c in 0..<C {
            let m = Double(sums[c]) / total
            let variance = max(0, Double(squares[c]) / total - m * m)
            mean.append(Float(m / 255))
            std.append(variance > 0 ? Float(variance.squareRoot() / 255) : 1)
        }
        return DatasetStatistics(mean: mean, std: std)
    }
}

/// Random training-time augmentation, drawn from a seeded generator.
public struct Augmentation: Equatable, Sendable {
    /// Pad each side by this many zero pixels (before normalization, as torchvision's
    /// `RandomCrop(size, padding:)`), then crop a random window of the original size. 0 = off.
    public var randomCropPadding: Int
    /// Mirror left–right with probability ½.
    public var horizontalFlip: Bool

    public init(randomCropPadding: Int = 0, horizontalFlip: Bool = false) {
        precondition(randomCropPadding >= 0, "padding must be ≥ 0")
        self.randomCropPadding = randomCropPadding
        self.horizontalFlip = horizontalFlip
    }

    public var isIdentity: Bool { randomCropPadding == 0 && !horizontalFlip }
}

/// Cuts a store into batches of NCHW Float tensors.
///
/// Legend: N = batch size, C = channels, H = height, W = width.
/// Determinism: the order comes from `startEpoch`'s generator; each sample's augmentation comes
/// from a generator seeded by (epoch seed, position in the epoch), so results depend neither on
/// the thread count nor on the order batches are filled in.
public final class Batcher {
    public let store: ImageStore
    public let batchSize: Int
    public let shuffle: Bool
    public let dropLast: Bool
    public let normalization: DatasetStatistics
    public let augmentation: Augmentation?
    /// The sample order of the current epoch.
    public private(set) var order: [Int]
    private var epochSeed: UInt64 = 0
    /// (C, 256): the normalized value of every pixel value per channel.
    private var table: [Float]

    public init(
        store: ImageStore, batchSize: Int, shuffle: Bool, dropLast: Bool = false,
        normalization: DatasetStatistics, augmentation: Augmentation? = nil
    ) {
        precondition(batchSize >= 1, "batch size must be at least 1")
        precondition(
            normalization.mean.count == store.channels,
            "normalization has \(normalization.mean.count) channels, the store \(store.channels)")
        self.store = store
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.normalization = normalization
        self.augmentation = (augmentation?.isIdentity ?? true) ? nil : augmentation
        self.order = Array(0..<store.count)
        table = []
        for c in 0..<store.channels {
            let scale = 1 / (255 * normalization.std[c]), shift = -normalization.mean[c] / normalization.std[c]
            table += (0..<256).map { Float($0) * scale + shift }
        }
    }

    /// Batches in one epoch: ⌊count / batchSize⌋ with `dropLast`, else ⌈count / batchSize⌉.
    public var batchesPerEpoch: Int { dropLast ? store.count / batchSize : (store.count + batchSize - 1) / batchSize }

    /// Starts an epoch: draws the order (a seeded Fisher–Yates shuffle when `shuffle`) and the
    /// epoch's augmentation seed from `generator`.
    public func startEpoch(generator: inout SeededGenerator) {
        order = Array(0..<store.count)
        if shuffle { order.shuffle(using: &generator) }
        epochSeed = generator.next()
    }

    /// Samples in batch `index` (the last one may be short unless `dropLast`).
    public func batchCount(_ index: Int) -> Int { min(batchSize, store.count - index * batchSize) }

    /// Writes batch `index` into `images` as (n, C, H, W) Float, (pixel/255 − mean)/std, and its
    /// labels into `labels`. `images` is resized only when n changes; `labels` keeps its capacity.
    public func fill(batch index: Int, into images: Tensor, labels: inout [Int32]) {
        precondition(index >= 0 && index < batchesPerEpoch, "batch \(index) out of 0..<\(batchesPerEpoch)")
        fill(batch: index, samples: 0..<batchCount(index), into: images, labels: &labels)
    }

    /// Writes the `samples` (positions within batch `index`) of that batch: one process's share of
    /// a data-parallel step. Each sample is what `fill(batch:into:labels:)` writes at its position
    /// (augmentation is seeded by the position in the epoch), so the shares of all processes
    /// together are that batch.
    public func fill(batch index: Int, samples: Range<Int>, into images: Tensor, labels: inout [Int32]) {
        precondition(index >= 0 && index < batchesPerEpoch, "batch \(index) out of 0..<\(batchesPerEpoch)")
        precondition(
            samples.lowerBound >= 0 && samples.upperBound <= batchCount(index),
            "samples \(samples) outside batch \(index) of \(batchCount(index))")
        let n = samples.count
        let C = store.channels, H = store.height, W = store.width, size = C * H * W
        images.resize(to: Shape(n, C, H, W))
        labels.removeAll(keepingCapacity: true)
        let first = index * batchSize + samples.lowerBound
        for k in 0..<n { labels.append(store.labels[order[first + k]]) }
        let output = images.data
        store.pixels.withUnsafeBufferPointer { pixels in
            table.withUnsafeBufferPointer { table in
                Parallel.forEachChunk(n, minimumPerChunk: 8) { _, range in
                    for k in range {
                        let source = pixels.baseAddress! + order[first + k] * size
                        let target = output + k * size
                        if let augmentation {
                            var generator = SeededGenerator(
                                seed: epochSeed ^ (UInt64(first + k) &* 0x9E37_79B9_7F4A_7C15))
                            Batcher.augment(source, target, table.baseAddress!, C, H, W, augmentation, &generator)
                        } else {
                            for c in 0..<C {
                                let t = table.baseAddress! + c * 256
                                let s = source + c * H * W, o = target + c * H * W
                                for p in 0..<(H * W) { o[p] = t[Int(s[p])] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// One augmented sample: random crop of the zero-padded image, then optional mirror.
    static func augment(
        _ source: UnsafePointer<UInt8>, _ target: UnsafeMutablePointer<Float>, _ table: UnsafePointer<Float>,
        _ C: Int, _ H: Int, _ W: Int, _ augmentation: Augmentation, _ generator: inout SeededGenerator
    ) {
        let P = augmentation.randomCropPadding
        let dy = P > 0 ? Int(generator.next() % UInt64(2 * P + 1)) - P : 0
        let dx = P > 0 ? Int(generator.next() % UInt64(2 * P + 1)) - P : 0
        let flip = augmentation.horizontalFlip && (generator.next() >> 63) == 1
        for c in 0..<C {
            let t = table + c * 256
            let padValue = t[0]
            let s = source + c * H * W, o = target + c * H * W
            for y in 0..<H {
                let sy = y + dy
                let row = o + y * W
                if sy < 0 || sy >= H { row.update(repeating: padValue, count: W); continue }
                for x in 0..<W {
                    let sx = (flip ? W - 1 - x : x) + dx
                    row[x] = (sx < 0 || sx >= W) ? padValue : t[Int(s[sy * W + sx])]
                }
            }
        }
    }
}
