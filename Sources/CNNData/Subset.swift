/// `--train-limit` and `--test-limit`: a seeded, class-stratified subset, the same on every
/// dataset kind and in every command (`train`, `eval`, `compare`, and the PyTorch scripts through
/// `scripts/pytorch/cnn_subset.py`, which repeats this rule line for line).
///
/// The rule ("stratified-v1"): every image i gets a key `mix(mix(seed) ^ i)` (SplitMix64's
/// finalizer). Within its class, an image's rank r is its position when the class is sorted by key.
/// All images are then ordered by r / n_c (n_c = images of its class), ties by key, and the first
/// `limit` are kept, in their original order. So the first images taken are one of every class,
/// each class keeps about limit · n_c / N images, a larger limit keeps a superset, and the same
/// seed keeps the same images of the same dataset (image folders are read in path order).
///
/// Taking the first N images instead (the old rule) picks whole classes from an image folder,
/// whose files are sorted by class: a "3000 images" run of an exported Fashion-MNIST tree trained
/// on "Ankle boot" alone.
public enum StratifiedSubset {
    /// The name of the rule, for messages and metadata.
    public static let rule = "stratified-v1"

    /// The indices (ascending) of the `limit` images kept out of `labels`; all when `limit` is nil
    /// or not below the count.
    public static func indices(labels: [Int32], limit: Int?, seed: UInt64) -> [Int] {
        guard let limit, limit < labels.count else { return Array(labels.indices) }
        guard limit > 0 else { return [] }
        let seedKey = mix(seed)
        let keys = labels.indices.map { mix(seedKey ^ UInt64($0)) }
        var members: [Int32: [Int]] = [:]
        for (index, label) in labels.enumerated() { members[label, default: []].append(index) }
        // (rank, class size, key, index) for every image.
        var entries: [(rank: UInt64, size: UInt64, key: UInt64, index: Int)] = []
        entries.reserveCapacity(labels.count)
        for indices in members.values {
            let sorted = indices.sorted { keys[$0] < keys[$1] }
            for (rank, index) in sorted.enumerated() {
                entries.append((UInt64(rank), UInt64(sorted.count), keys[index], index))
            }
        }
        // r_a / n_a < r_b / n_b ⇔ r_a · n_b < r_b · n_a (both below 2^32: no overflow).
        entries.sort { a, b in
            let left = a.rank * b.size, right = b.rank * a.size
            return left != right ? left < right : a.key < b.key
        }
        return entries.prefix(limit).map(\.index).sorted()
    }

    /// SplitMix64's output function (Steele, Lea & Flood 2014): a bijection of UInt64 that mixes
    /// every input bit into every output bit.
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension ImageStore {
    /// `limit` images chosen by `StratifiedSubset` (the whole store when `limit` is nil or not
    /// below the count).
    public func stratifiedSubset(limit: Int?, seed: UInt64) -> ImageStore {
        guard let limit, limit < count else { return self }
        return subset(StratifiedSubset.indices(labels: labels, limit: limit, seed: seed))
    }

    /// The names of the classes that have at least one image.
    public var presentClassNames: [String] {
        zip(classNames, classCounts).filter { $0.1 > 0 }.map(\.0)
    }
}

/// The training and test stores a run uses: the limits applied with the run's seed, and the
/// checks that a training set can train a classifier at all.
public struct DataSelection {
    public let train: ImageStore
    public let test: ImageStore
    /// Lines to show the user: which held-out split is used and how the limits chose images.
    public let notes: [String]

    /// The seed of the test subset of a run seeded `seed`: another stream than the training
    /// subset's, so that the two are not drawn alike. `eval` uses it to take the run's test images.
    public static func testSeed(_ seed: UInt64) -> UInt64 { StratifiedSubset.mix(seed ^ 0x7465_7374) }

    /// The seed of the training subset evaluated after every epoch (`--train-eval-images`) of a run
    /// seeded `seed`: another stream than the training and test subsets'.
    public static func trainEvalSeed(_ seed: UInt64) -> UInt64 { StratifiedSubset.mix(seed ^ 0x7472_6576_616c) }

    /// Applies `trainLimit` and `testLimit` to `dataset` with `seed` (`StratifiedSubset`).
    /// - Throws: `DataError.tooFewClasses` when the training images cover fewer than two classes.
    public init(_ dataset: LoadedDataset, trainLimit: Int?, testLimit: Int?, seed: UInt64) throws {
        train = dataset.train.stratifiedSubset(limit: trainLimit, seed: seed)
        test = dataset.test.stratifiedSubset(limit: testLimit, seed: DataSelection.testSeed(seed))
        var notes = ["held-out set: \(dataset.heldOut)"]
        if let trainLimit, trainLimit < dataset.train.count {
            notes.append(
                "--train-limit \(trainLimit): \(train.count) of \(dataset.train.count) training images, class-stratified with seed \(seed)"
            )
        }
        if let testLimit, testLimit < dataset.test.count {
            notes.append(
                "--test-limit \(testLimit): \(test.count) of \(dataset.test.count) test images, class-stratified with seed \(seed)"
            )
        }
        self.notes = notes
        // An empty training set is the caller's error to report ("no usable images").
        let present = train.presentClassNames
        if train.count > 0 && present.count < 2 {
            throw DataError.tooFewClasses(
                path: "\(dataset.source)", classNames: present,
                detail:
                    "the training images (\(train.count)) cover \(present.count) class\(present.count == 1 ? "" : "es"), and a classifier needs at least 2: \(dataset.train.presentClassNames.count >= 2 ? "take a larger --train-limit" : "give a dataset with images of two or more classes")"
            )
        }
    }
}
