import CNNModels
import CNNNorms
import Foundation
import TestSupport
import XCTest

/// Replays Tests/Fixtures/fuzz/model as the fuzz target does: a model file resolves (and builds) or
/// throws an error naming its file, for every norm and norm position; nothing crashes or allocates
/// without bound.
final class ModelFuzzFindingsTests: XCTestCase {
    func testModelFindings() throws {
        for url in FuzzFindings.files("model") {
            let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
            for kind in NormKind.allCases {
                for position in NormPosition.allCases {
                    do {
                        let file = try ModelFile(text: text, path: url.path)
                        let model = try ModelResolver.resolve(
                            file, name: "fuzz", classCount: 10,
                            norm: NormConfiguration(kind: kind, groupCount: nil, position: position))
                        if try model.validatedParameterCount() < 1 << 22 { _ = try ModelBuilder.build(model, seed: 1) }
                    } catch {
                        XCTAssertTrue(
                            "\(error)".contains(url.path), "\(url.lastPathComponent) --norm \(kind): \(error)")
                    }
                }
            }
        }
    }
}
