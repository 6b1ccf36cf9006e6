import CNNCore
import CNNModels
import CNNTraining
import Foundation
import TestSupport
import XCTest

/// A checkpoint whose tensors are valid but whose cnntrain metadata is damaged or hand-made must be
/// refused with a message naming the file, never crash the model builder (which trusts every field
/// of the model description). Before ModelValidation.swift each of these crashed (a force-unwrapped
/// nil, an index out of range, a failed precondition) or tried to allocate terabytes.
/// The fixture Tests/Fixtures/safetensors/tiny-checkpoint.safetensors is a real cnntrain checkpoint
/// of Tests/Fixtures/models/tiny.cfg (made by `cnntrain --model Tests/Fixtures/models/tiny.cfg --data Tests/Fixtures/data/idx --norm batch --epochs 1 --batch-size 2 --threads 1`).
/// Its model JSON has the field names from before the layer table (`inChannels`, `outChannels`,
/// `kernel`), which still decode: the edits below remove or change those.
final class CheckpointMetadataTests: XCTestCase {
    let path = Fixtures.url("safetensors/tiny-checkpoint.safetensors").path

    func tiny() throws -> SafeTensorsFile { try SafeTensorsFile.read(path: path) }

    func testTheFixtureLoadsAndBuilds() throws {
        let checkpoint = try LoadedCheckpoint(path: path)
        let model = try checkpoint.buildModel()
        XCTAssertEqual(model.parameterCount, try checkpoint.resolved.validatedParameterCount())
        XCTAssertEqual(checkpoint.trainerState?.completedEpochs, 1)
    }

    /// Rewrites the model JSON of the fixture with `edit` and expects a CheckpointError mentioning `fragment`.
    func expectRefused(
        _ fragment: String, file: StaticString = #filePath, line: UInt = #line,
        _ edit: (inout [String: Any]) -> Void
    ) throws {
        var checkpoint = try tiny()
        var model = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(try XCTUnwrap(checkpoint.metadata["model"]).utf8))
                as? [String: Any])
        edit(&model)
        checkpoint.metadata["model"] = String(
            decoding: try JSONSerialization.data(withJSONObject: model), as: UTF8.self)
        XCTAssertThrowsError(
            try LoadedCheckpoint(file: checkpoint, path: "edited.safetensors").buildModel(), file: file, line: line
        ) { error in
            XCTAssertTrue(error is CheckpointError, "\(type(of: error)): \(error)", file: file, line: line)
            XCTAssertTrue("\(error)".hasPrefix("edited.safetensors: "), "\(error)", file: file, line: line)
            XCTAssertTrue("\(error)".contains(fragment), "'\(fragment)' not in \(error)", file: file, line: line)
        }
    }

    func layers(_ model: [String: Any]) -> [[String: Any]] { model["layers"] as! [[String: Any]] }

    func editLayer(_ type: String, in model: inout [String: Any], _ edit: (inout [String: Any]) -> Void) {
        var list = layers(model)
        let index = list.firstIndex { $0["type"] as? String == type }!
        edit(&list[index])
        model["layers"] = list
    }

    func testConvWithoutInputChannels() throws {
        try expectRefused("has no inputChannels") { model in editLayer("conv", in: &model) { $0["inChannels"] = nil } }
    }

    func testHugeConvIsRefusedBeforeAllocation() throws {
        try expectRefused("outputChannels 1099511627776 is outside") { model in
            editLayer("conv", in: &model) { $0["outChannels"] = 1 << 40 }
        }
    }

    func testInconsistentShapes() throws {
        try expectRefused("takes 5 features but receives") { model in
            editLayer("linear", in: &model) { $0["inChannels"] = 5 }
        }
    }

    func testDropoutProbabilityOutOfRange() throws {
        try expectRefused("probability must be in [0, 1)") { model in
            editLayer("dropout", in: &model) { $0["probability"] = 1.5 }
        }
    }

    func testEmptyInputShape() throws {
        try expectRefused("input shape [] is not three sizes") { model in model["inputShape"] = [Int]() }
    }

    func testUnknownLayerType() throws {
        try expectRefused("unknown layer type") { model in editLayer("relu", in: &model) { $0["type"] = "swish" } }
    }

    func testClassNamesThatDoNotMatchTheOutputs() throws {
        var checkpoint = try tiny()
        checkpoint.metadata["class_names"] = "[\"only one\"]"
        XCTAssertThrowsError(try LoadedCheckpoint(file: checkpoint, path: "edited.safetensors")) { error in
            XCTAssertTrue("\(error)".contains("1 class names for a model with 3 outputs"), "\(error)")
        }
    }

    func testTrainerStateWithABadGeneratorState() throws {
        var checkpoint = try tiny()
        let state = try XCTUnwrap(checkpoint.metadata["trainer_state"])
        checkpoint.metadata["trainer_state"] = state.replacingOccurrences(
            of: #""shuffleGeneratorState":\[[0-9]+,"#, with: #""shuffleGeneratorState":["#, options: .regularExpression)
        XCTAssertNotEqual(checkpoint.metadata["trainer_state"], state)
        XCTAssertThrowsError(try LoadedCheckpoint(file: checkpoint, path: "edited.safetensors")) { error in
            XCTAssertTrue("\(error)".contains("trainer_state' is damaged"), "\(error)")
        }
    }
}
