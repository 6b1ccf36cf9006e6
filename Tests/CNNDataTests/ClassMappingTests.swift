import CNNData
import XCTest

/// Issue 12, finding 3: a dataset's classes are matched to a checkpoint's by name.
final class ClassMappingTests: XCTestCase {
    let fashion = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"
    ]

    func testExportedFolderNamesMapToTheCheckpointOrder() throws {
        let folders = fashion.map(directoryName(forClass:)).sorted()
        let mapping = try ClassMapping(
            source: folders, target: fashion, sourcePath: "tree", unnamedSourceMatchesByNumber: false)
        for (label, folder) in folders.enumerated() {
            let target = try XCTUnwrap(mapping.targetLabels[label])
            XCTAssertEqual(directoryName(forClass: fashion[target]), folder)
        }
        XCTAssertNotNil(mapping.note)
        let store = ImageStore(channels: 1, height: 1, width: 1, pixels: [1, 2], labels: [0, 9], classNames: folders)
        let relabeled = store.relabeled(mapping, classNames: fashion)
        XCTAssertEqual(relabeled.labels, [9, 1], "\"Ankle boot\" is 9, \"Trouser\" is 1 in the checkpoint")
        XCTAssertEqual(relabeled.classNames, fashion)
    }

    func testIdenticalListsAndUnnamedClasses() throws {
        XCTAssertNil(
            try ClassMapping(source: fashion, target: fashion, sourcePath: "x", unnamedSourceMatchesByNumber: false)
                .note)
        let numbers = (0..<10).map(String.init)
        let unnamed = try ClassMapping(
            source: numbers, target: fashion, sourcePath: "idx", unnamedSourceMatchesByNumber: true)
        XCTAssertEqual(unnamed.targetLabels, Array(0..<10))
        XCTAssertThrowsError(
            try ClassMapping(source: numbers, target: fashion, sourcePath: "tree", unnamedSourceMatchesByNumber: false))
    }

    func testAnUnknownClassIsRefusedWithBothLists() {
        XCTAssertThrowsError(
            try ClassMapping(
                source: ["cat", "dog", "Trouser"], target: fashion, sourcePath: "/data/pets",
                unnamedSourceMatchesByNumber: false)
        ) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("/data/pets:"), text)
            XCTAssertTrue(text.contains("\"cat\", \"dog\", \"Trouser\""), text)
            XCTAssertTrue(text.contains("\"T-shirt/top\", \"Trouser\""), text)
            XCTAssertTrue(text.contains("not among the checkpoint's: \"cat\", \"dog\""), text)
        }
    }
}
