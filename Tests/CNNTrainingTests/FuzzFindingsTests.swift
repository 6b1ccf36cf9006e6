import CNNNorms
import CNNTraining
import Foundation
import TestSupport
import XCTest

/// Replays Tests/Fixtures/fuzz/model and checkpoint as the fuzz targets do: a model file resolves
/// (and builds) or throws an error naming its file; a checkpoint parses, loads and builds or throws
/// one naming its file; nothing crashes or allocates without bound.
final class FuzzFindingsTests: XCTestCase {
    func testModelFindings() throws {
        for url in FuzzFindings.files("model") {
            let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
            for kind in NormKind.allCases {
                for position in NormPosition.allCases {
                    do {
                        let file = try ModelFile(text: text, path: url.path)
                        let model = try ModelResolver.resolve(file, name: "fuzz", classCount: 10,
                                                              norm: NormConfiguration(kind: kind, groupCount: nil, position: position))
                        if try model.validatedParameterCount() < 1 << 22 { _ = try ModelBuilder.build(model, seed: 1) }
                    } catch {
                        XCTAssertTrue("\(error)".contains(url.path), "\(url.lastPathComponent) --norm \(kind): \(error)")
                    }
                }
            }
        }
    }

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
