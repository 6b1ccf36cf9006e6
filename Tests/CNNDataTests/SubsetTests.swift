import CNNData
import Foundation
import TestSupport
import XCTest

/// `StratifiedSubset`, the rule of --train-limit and --test-limit (issue 12, finding 1).
final class SubsetTests: XCTestCase {
    /// Labels sorted by class, as an image folder's are: 50, 30, 15 and 5 images.
    let sortedLabels: [Int32] =
        [Int32](repeating: 0, count: 50) + [Int32](repeating: 1, count: 30)
        + [Int32](repeating: 2, count: 15) + [Int32](repeating: 3, count: 5)

    func counts(_ indices: [Int], _ labels: [Int32]) -> [Int] {
        var counts = [Int](repeating: 0, count: Int(labels.max()!) + 1)
        for index in indices { counts[Int(labels[index])] += 1 }
        return counts
    }

    func testEveryClassInProportion() {
        for limit in [4, 10, 20, 37, 60, 99] {
            let kept = StratifiedSubset.indices(labels: sortedLabels, limit: limit, seed: 1)
            XCTAssertEqual(kept.count, limit)
            XCTAssertEqual(kept, kept.sorted(), "original order")
            XCTAssertEqual(Set(kept).count, limit, "no repeats")
            for (label, count) in counts(kept, sortedLabels).enumerated() {
                let share =
                    Double(limit) * Double(counts(Array(sortedLabels.indices), sortedLabels)[label])
                    / Double(sortedLabels.count)
                XCTAssertLessThanOrEqual(
                    abs(Double(count) - share), 1.0, "limit \(limit), class \(label): \(count) for a share of \(share)")
                XCTAssertGreaterThan(count, 0, "limit \(limit) ≥ 4 classes: class \(label) is kept")
            }
        }
    }

    func testSeededNestedAndComplete() {
        let first = StratifiedSubset.indices(labels: sortedLabels, limit: 20, seed: 5)
        XCTAssertEqual(StratifiedSubset.indices(labels: sortedLabels, limit: 20, seed: 5), first)
        XCTAssertNotEqual(StratifiedSubset.indices(labels: sortedLabels, limit: 20, seed: 6), first)
        XCTAssertTrue(Set(first).isSubset(of: Set(StratifiedSubset.indices(labels: sortedLabels, limit: 21, seed: 5))))
        XCTAssertEqual(StratifiedSubset.indices(labels: sortedLabels, limit: nil, seed: 5), Array(sortedLabels.indices))
        XCTAssertEqual(
            StratifiedSubset.indices(labels: sortedLabels, limit: 1000, seed: 5), Array(sortedLabels.indices))
    }

    func store(_ labels: [Int32]) -> ImageStore {
        ImageStore(
            channels: 1, height: 1, width: 1, pixels: labels.indices.map { UInt8($0 % 256) }, labels: labels,
            classNames: ["a", "b", "c", "d"])
    }

    func testSelectionOfOneClassIsAnError() throws {
        let dataset = LoadedDataset(
            source: .imageFolder(root: "/data/tree"), train: store(sortedLabels), test: store(sortedLabels),
            warnings: [], skippedCount: 0, fromCache: false, heldOut: "test/")
        let selection = try DataSelection(dataset, trainLimit: 8, testLimit: 4, seed: 1)
        XCTAssertEqual(selection.train.classCounts.filter { $0 > 0 }.count, 4)
        XCTAssertEqual(selection.test.count, 4)
        XCTAssertThrowsError(try DataSelection(dataset, trainLimit: 1, testLimit: nil, seed: 1)) { error in
            XCTAssertTrue("\(error)".contains("cover 1 class"), "\(error)")
            XCTAssertTrue("\(error)".contains("--train-limit"), "\(error)")
        }
        let single = LoadedDataset(
            source: .imageFolder(root: "/data/tree"), train: store([2, 2, 2]), test: store([2]),
            warnings: [], skippedCount: 0, fromCache: false, heldOut: "test/")
        XCTAssertThrowsError(try DataSelection(single, trainLimit: nil, testLimit: nil, seed: 1)) { error in
            XCTAssertTrue("\(error)".contains("/data/tree") && "\(error)".contains("\"c\""), "\(error)")
            XCTAssertFalse("\(error)".contains("--train-limit"), "no limit to blame: \(error)")
        }
    }

    /// scripts/pytorch/cnn_subset.py (the PyTorch scripts' copy of the rule) keeps the same images.
    func testThePythonCopyAgrees() throws {
        try Python.require()
        var generator = SystemRandomNumberGenerator()
        let labels = (0..<500).map { _ in Int32.random(in: 0..<7, using: &generator) }
        let seed = UInt64.random(in: 0...UInt64.max, using: &generator)
        let (status, output, error) = try Python.run(
            [
                "-c",
                "import cnn_subset, sys; labels = [int(x) for x in sys.argv[1].split(',')]; "
                    + "print(cnn_subset.indices(labels, 123, int(sys.argv[2]))); print(cnn_subset.test_seed(int(sys.argv[2])))",
                labels.map(String.init).joined(separator: ","), String(seed)
            ], in: Fixtures.repositoryRoot.appendingPathComponent("scripts/pytorch"))
        XCTAssertEqual(status, 0, error)
        let lines = output.split(separator: "\n")
        XCTAssertEqual(lines.count, 2, output)
        XCTAssertEqual(String(lines[0]), "\(StratifiedSubset.indices(labels: labels, limit: 123, seed: seed))")
        XCTAssertEqual(String(lines[1]), String(DataSelection.testSeed(seed)))
    }
}
