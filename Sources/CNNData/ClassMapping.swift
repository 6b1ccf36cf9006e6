/// Labels of a dataset in another dataset's (a checkpoint's) class order.
///
/// An image folder's classes are its sorted folder names; an IDX file's are its label numbers. The
/// same ten Fashion-MNIST classes are therefore in another order in an exported tree
/// ("Ankle boot", "Bag", "Coat", …) than in the IDX files ("T-shirt/top", "Trouser", …), and
/// comparing label numbers mislabels every image. Classes are matched by name instead.
public struct ClassMapping: Equatable {
    /// `targetLabel[k]`: the target's label of the source's class k (nil: a class without a match).
    public let targetLabels: [Int?]
    /// How the names were matched, for the user; nil when the lists are identical.
    public let note: String?

    /// Matches `source` class names (a dataset's) to `target` ones (a checkpoint's): equal names, or
    /// a target name whose folder name (`directoryName(forClass:)`, "/" → "_") is the source name.
    /// Source names "0", "1", … (IDX or CIFAR data that carries no names) stand for target labels
    /// 0, 1, … when `unnamedSourceMatchesByNumber`.
    /// - Throws: `DataError.classesDiffer` listing both lists when a source class has no match.
    public init(source: [String], target: [String], sourcePath: String, unnamedSourceMatchesByNumber: Bool) throws {
        if source == target {
            targetLabels = Array(target.indices)
            note = nil
            return
        }
        let unnamed = source == source.indices.map(String.init)
        if unnamed && unnamedSourceMatchesByNumber && source.count <= target.count {
            targetLabels = Array(source.indices)
            note =
                "the dataset's classes are unnamed (0…\(source.count - 1)): label k is taken as the checkpoint's class k"
            return
        }
        let labels = source.map { name in
            target.firstIndex(of: name) ?? target.firstIndex { directoryName(forClass: $0) == name }
        }
        let missing = zip(source, labels).filter { $0.1 == nil }.map(\.0)
        if !missing.isEmpty {
            throw DataError.classesDiffer(path: sourcePath, dataset: source, checkpoint: target, unmatched: missing)
        }
        targetLabels = labels
        note =
            labels == Array(source.indices) && source.count == target.count
            ? "classes matched by name (folder names for class names with \"/\")"
            : "classes matched by name: the dataset's label order differs from the checkpoint's, images are relabelled"
    }
}

extension ImageStore {
    /// The same images labelled by `mapping` with the class names `classNames` (the target's).
    /// - Precondition: every label of the store has a target label (`ClassMapping` checks this).
    public func relabeled(_ mapping: ClassMapping, classNames: [String]) -> ImageStore {
        let labels = self.labels.map { Int32(mapping.targetLabels[Int($0)]!) }
        return ImageStore(
            channels: channels, height: height, width: width, pixels: pixels, labels: labels, classNames: classNames)
    }
}
