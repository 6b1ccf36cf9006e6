import CNNModels
import CNNTraining
import Foundation
import TestSupport
import XCTest

/// Replays Tests/Fixtures/fuzz/checkpoint as the fuzz target does: a checkpoint parses, loads and
/// builds or throws an error naming its file; nothing crashes or allocates without bound.
/// (The model-file findings are replayed in CNNModelsTests.)
final class FuzzFindingsTests: XCTestCase {
    func testCheckpointFindings() throws {
        for url in FuzzFindings.files("checkpoint") {
            do {
                let file = try SafeTensorsFile.parse([UInt8](try Data(contentsOf: url)), source: url.path)
                XCTAssertEqual(try SafeTensorsFile.parse(try file.serialized(), source: "again"), file)
                _ = try LoadedCheckpoint(file: file, path: url.path).buildModel()
            } catch {
                XCTAssertTrue("\(error)".contains(url.path), "\(url.lastPathComponent): \(error)")
            }
        }
    }
}
