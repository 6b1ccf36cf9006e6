import CNNTraining
import Foundation
import XCTest

/// The options of the study grid axes (issue 16): their checks, their JSON keys, and files written
/// before them.
final class GridAxesOptionsTests: XCTestCase {
    func message(_ change: (inout TrainingOptions) -> Void) -> String {
        var options = TrainingOptions()
        change(&options)
        do { try options.validate(); return "" } catch { return "\(error)" }
    }

    func testValidateNamesTheOptionAndWhatIsAllowed() {
        XCTAssertEqual(
            message { $0.activation = "gelu" },
            "--activation gelu is not allowed; use one of relu, sigmoid, tanh, silu, leakyrelu")
        XCTAssertEqual(message { $0.dropout = 1.5 }, "--dropout 1.5 is not allowed; use 0 ≤ P < 1")
        XCTAssertEqual(message { $0.dropout = -0.1 }, "--dropout -0.1 is not allowed; use 0 ≤ P < 1")
        XCTAssertEqual(message { $0.initGain = 0 }, "--init-gain 0.0 is not allowed; use a positive number")
        XCTAssertEqual(message { $0.initGain = .infinity }, "--init-gain inf is not allowed; use a positive number")
        XCTAssertEqual(message { $0.steps = 0 }, "--steps 0 is not allowed; use 1 or more")
        XCTAssertEqual(
            message { $0.trainEvalImages = -1 }, "--train-eval-images -1 is not allowed; use 0 (off) or more")
        for activation in ["relu", "sigmoid", "tanh", "silu", "leakyrelu"] {
            XCTAssertEqual(message { $0.activation = activation }, "", activation)
        }
        XCTAssertEqual(
            message {
                $0.dropout = 0; $0.convBias = true; $0.initGain = 0.5; $0.steps = 1; $0.trainEvalImages = 0
            }, "")
    }

    /// Another engineer's code sets them through JSON: the keys are the field names.
    func testJSONKeysAreTheFieldNames() throws {
        var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(TrainingOptions())) as! [String: Any]
        let axes: [String: Any] = [
            "activation": "tanh", "dropout": 0.2, "convBias": false, "initGain": 1.5, "steps": 100,
            "trainEvalImages": 500
        ]
        object.merge(axes) { $1 }
        let options = try JSONDecoder().decode(
            TrainingOptions.self, from: JSONSerialization.data(withJSONObject: object))
        XCTAssertEqual(options.activation, "tanh")
        XCTAssertEqual(options.dropout, 0.2)
        XCTAssertEqual(options.convBias, false)
        XCTAssertEqual(options.initGain, 1.5)
        XCTAssertEqual(options.steps, 100)
        XCTAssertEqual(options.trainEvalImages, 500)
        XCTAssertEqual(options.modelOverrides.activation, "tanh")
        XCTAssertEqual(options.modelOverrides.convBias, false)
        // Unset fields are left out, so a config.json without them is written as before.
        let encoded = String(decoding: try JSONEncoder().encode(TrainingOptions()), as: UTF8.self)
        for key in ["activation", "dropout", "convBias", "initGain", "steps", "trainEvalImages"] {
            XCTAssertFalse(encoded.contains("\"\(key)\""), key)
        }
    }

    /// A summary.json and an epoch record written before the fields decode with them nil.
    func testOldSummaryWithoutTheFieldsDecodes() throws {
        let record = """
            {"epoch": 1, "trainLoss": 0.5, "trainAccuracy": 0.8, "testLoss": 0.6, "testAccuracy": 0.75,
             "learningRate": 0.05, "seconds": 10, "imagesPerSecond": 1000}
            """
        let summary = """
            {"model": "smallcnn", "norm": "group", "normPosition": "before", "batchSize": 64, "learningRate": 0.05,
             "epochs": 1, "parameterCount": 10, "normParameterCount": 2, "finalTestAccuracy": 0.75,
             "finalTrainAccuracy": 0.8, "finalTrainLoss": 0.5, "finalTestLoss": 0.6, "bestTestAccuracy": 0.75,
             "meanImagesPerSecond": 1000, "meanEpochSeconds": 10, "trainImages": 100, "testImages": 50,
             "threads": 2, "seed": 1, "history": [\(record)], "checkpoint": "runs/x/checkpoint.safetensors"}
            """
        let decoded = try JSONDecoder().decode(TrainingSummary.self, from: Data(summary.utf8))
        XCTAssertNil(decoded.finalTrainEvalAccuracy)
        XCTAssertNil(decoded.trainEvalImages)
        XCTAssertNil(decoded.steps)
        XCTAssertNil(decoded.history[0].trainEvalAccuracy)
        XCTAssertNil(decoded.history[0].trainEvalLoss)
        XCTAssertTrue(decoded.history[0].csvLine.hasSuffix(",,"))
        XCTAssertEqual(
            decoded.history[0].csvLine.split(separator: ",", omittingEmptySubsequences: false).count,
            EpochRecord.csvHeader.split(separator: ",").count)
    }

    func testTheEpochLineShowsTheTrainEvalAccuracyWhenMeasured() throws {
        let json = """
            {"epoch": 2, "trainLoss": 0.3, "trainAccuracy": 0.886, "testLoss": 0.4, "testAccuracy": 0.87,
             "learningRate": 0.05, "seconds": 12, "imagesPerSecond": 900}
            """
        var record = try JSONDecoder().decode(EpochRecord.self, from: Data(json.utf8))
        XCTAssertFalse(ProgressPrinter.epochLine(record, epochs: 10).contains("eval mode"))
        record.trainEvalAccuracy = 0.912
        let line = ProgressPrinter.epochLine(record, epochs: 10)
        XCTAssertTrue(line.contains("acc 88.60% (eval mode 91.20%) | test loss 0.4000 acc 87.00%"), line)
    }
}
