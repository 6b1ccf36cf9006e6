import CNNData
import CNNModels
import CNNNorms
import CNNTraining
import Foundation
import TestSupport
import XCTest

/// `--steps` (a run of exactly N optimizer steps) and `--train-eval-images` (a fixed training
/// subset evaluated in inference mode after every epoch), on a tiny synthetic IDX dataset.
final class StepsAndTrainEvalTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("steps-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // 9 training images (3 per class) and 6 test images (2 per class) of 4×4: class c is bright at row c.
        try writeIDX(name: "train", labels: [0, 1, 2, 0, 1, 2, 0, 1, 2])
        try writeIDX(name: "t10k", labels: [2, 1, 0, 0, 1, 2])
        try """
        input channels=1 size=4
        conv outputChannels=2 kernelSize=3 padding=1
        norm
        relu
        flatten
        dropout probability=0.1
        linear outputFeatures=classes
        """.write(to: directory.appendingPathComponent("model.cfg"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func writeIDX(name: String, labels: [UInt8]) throws {
        func header(_ words: [UInt32]) -> [UInt8] { words.flatMap { withUnsafeBytes(of: $0.bigEndian, Array.init) } }
        var pixels: [UInt8] = []
        for (index, label) in labels.enumerated() {
            pixels += (0..<16).map { $0 / 4 == Int(label) ? UInt8(200 + index) : UInt8(index * 3 + $0) }
        }
        try Data(header([0x803, UInt32(labels.count), 4, 4]) + pixels).write(
            to: directory.appendingPathComponent("\(name)-images-idx3-ubyte"))
        try Data(header([0x801, UInt32(labels.count)]) + labels).write(
            to: directory.appendingPathComponent("\(name)-labels-idx1-ubyte"))
    }

    func options(steps: Int? = nil, trainEvalImages: Int? = nil) -> TrainingOptions {
        var options = TrainingOptions()
        options.model = directory.appendingPathComponent("model.cfg").path
        options.data = directory.path
        options.norm = .batch
        options.batchSize = 3
        options.epochs = 10
        options.learningRate = 0.1
        options.threads = 1
        options.cache = false
        options.steps = steps
        options.trainEvalImages = trainEvalImages
        return options
    }

    func trainer(_ options: TrainingOptions, run: String = "run") throws -> Trainer {
        try Trainer(
            options: options, run: RunDirectory(path: directory.appendingPathComponent(run).path),
            printer: ProgressPrinter(quiet: true))
    }

    func testSevenStepsOfThreePerEpochTrainThreeEpochs() throws {
        let trainer = try trainer(options(steps: 7))
        XCTAssertEqual(trainer.options.epochs, 3, "⌈7 / 3⌉ epochs, whatever --epochs said")
        let summary = try trainer.train()
        XCTAssertEqual(summary.steps, 7)
        XCTAssertEqual(summary.epochs, 3)
        XCTAssertEqual(summary.history.count, 3)
        // The last epoch trained 1 step of 3 images: its rate is of those 3 images only.
        XCTAssertEqual(summary.history.map(\.epoch), [1, 2, 3])
        // The schedule spans the 7 steps: cosine to 0 after the last one, so the last step's rate is small but not 0.
        let lastRate = summary.history[2].learningRate
        XCTAssertGreaterThan(lastRate, 0)
        XCTAssertLessThan(lastRate, 0.1 * 0.1)
        // The config records the epochs the steps take, so a resume counts the same.
        let config = try RunDirectory.readConfig(directory.appendingPathComponent("run/config.json").path)
        XCTAssertEqual(config.options.epochs, 3)
        XCTAssertEqual(config.options.steps, 7)
    }

    func testWithoutStepsTheSummaryCountsEveryStep() throws {
        var options = options()
        options.epochs = 2
        let summary = try trainer(options).train()
        XCTAssertEqual(summary.steps, 6)
        XCTAssertLessThan(summary.history[1].learningRate, 0.1 * 0.5 * 0.5, "cosine over 6 steps ends near 0")
    }

    func testTrainEvalSubsetIsStratifiedFixedAndEvaluatedInInferenceMode() throws {
        let trainer = try trainer(options(steps: 4))
        // Default N: the test set's 6 images (at most the training set's 9), 2 of each class.
        let subset = try XCTUnwrap(trainer.trainEvalSet)
        XCTAssertEqual(subset.count, 6)
        XCTAssertEqual(subset.classCounts.filter { $0 > 0 }, [2, 2, 2])
        let again = try self.trainer(options(steps: 4), run: "again")
        XCTAssertEqual(again.trainEvalSet?.labels, subset.labels)
        XCTAssertEqual(again.trainEvalSet?.pixels, subset.pixels)
        let summary = try trainer.train()
        XCTAssertEqual(summary.trainEvalImages, 6)
        for record in summary.history {
            let accuracy = try XCTUnwrap(record.trainEvalAccuracy)
            XCTAssertTrue((0...1).contains(accuracy))
            XCTAssertNotNil(record.trainEvalLoss)
        }
        // The last epoch's value is that of the final weights on the same subset, in inference mode.
        let final = Evaluator.evaluate(trainer.model, store: subset, normalization: trainer.normalization)
        XCTAssertEqual(summary.finalTrainEvalAccuracy, final.accuracy)
        XCTAssertEqual(summary.history.last?.trainEvalAccuracy, final.accuracy)
        XCTAssertEqual(summary.history.last?.trainEvalLoss, final.loss)
        // metrics.csv ends with the two columns, filled.
        let metrics = try String(contentsOf: directory.appendingPathComponent("run/metrics.csv"), encoding: .utf8)
        let lines = metrics.split(separator: "\n")
        XCTAssertTrue(lines[0].hasSuffix(",train_eval_accuracy,train_eval_loss"))
        let last = lines.last!.split(separator: ",", omittingEmptySubsequences: false)
        XCTAssertEqual(last.count, 10)
        XCTAssertEqual(Double(last[8]) ?? -1, final.accuracy, accuracy: 1e-6)
    }

    func testZeroTrainEvalImagesTurnsItOff() throws {
        let trainer = try trainer(options(steps: 2, trainEvalImages: 0))
        XCTAssertNil(trainer.trainEvalSet)
        let summary = try trainer.train()
        XCTAssertNil(summary.finalTrainEvalAccuracy)
        XCTAssertEqual(summary.trainEvalImages, 0)
        XCTAssertNil(summary.history[0].trainEvalAccuracy)
        let metrics = try String(contentsOf: directory.appendingPathComponent("run/metrics.csv"), encoding: .utf8)
        XCTAssertTrue(metrics.split(separator: "\n")[1].hasSuffix(",,"), metrics)
    }

    func testInitGainScalesTheFirstWeightsOfANewRun() throws {
        var scaled = options(steps: 1)
        scaled.initGain = 3
        let plain = try trainer(options(steps: 1), run: "plain").model.namedParameters()
        let gained = try trainer(scaled, run: "gained").model.namedParameters()
        // 0: conv (weight, no bias: a norm follows), 1: norm γ, β, 5: linear weight, bias.
        for ((name, a), (_, b)) in zip(plain, gained) {
            let gain: Float = name.hasSuffix("0.weight") || name == "5.weight" ? 3 : 1
            for index in 0..<a.count { XCTAssertEqual(b.value.data[index], a.value.data[index] * gain, name) }
        }
        XCTAssertEqual(plain.map(\.name), ["0.weight", "1.weight", "1.bias", "5.weight", "5.bias"])
    }

    /// eval and predict rebuild the model from the checkpoint's resolved model, which carries the
    /// overrides; a resumed run keeps them too.
    func testTheCheckpointCarriesTheModelOverrides() throws {
        var options = options(steps: 3)
        options.activation = "tanh"
        options.dropout = 0.2
        options.convBias = true
        let trainer = try trainer(options)
        try trainer.train()
        let run = directory.appendingPathComponent("run").path
        let checkpoint = try LoadedCheckpoint(path: run + "/checkpoint.safetensors")
        XCTAssertEqual(checkpoint.resolved, trainer.resolved)
        XCTAssertEqual(checkpoint.resolved.layers.map(\.type), ["conv", "norm", "tanh", "flatten", "dropout", "linear"])
        XCTAssertEqual(checkpoint.resolved.layers[0].bias, true)
        XCTAssertEqual(checkpoint.resolved.layers[4].probability, 0.2)
        let rebuilt = try checkpoint.buildModel()
        XCTAssertEqual(
            rebuilt.namedParameters().map(\.name), ["0.weight", "0.bias", "1.weight", "1.bias", "5.weight", "5.bias"])
        let resumed = try Trainer(
            options: self.options(), run: RunDirectory(path: run, policy: .continueRun),
            resume: Trainer.Resume(path: run, epochs: nil), printer: ProgressPrinter(quiet: true))
        XCTAssertEqual(resumed.resolved, trainer.resolved)
    }

    func testResumeCannotExtendAStepsRunByEpochs() throws {
        let trainer = try trainer(options(steps: 4))
        try trainer.train()
        let run = directory.appendingPathComponent("run").path
        XCTAssertThrowsError(
            try Trainer(
                options: options(), run: RunDirectory(path: run, policy: .continueRun),
                resume: Trainer.Resume(path: run, epochs: 5), printer: ProgressPrinter(quiet: true))
        ) { error in
            XCTAssertTrue("\(error)".contains("--steps 4"), "\(error)")
        }
    }
}
