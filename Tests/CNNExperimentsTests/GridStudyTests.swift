import CNNExperiments
import CNNNorms
import CNNTraining
import Foundation
import XCTest

/// Study files and grid axes: `--grid key=v1,v2`, cells with further settings, the recipe and the
/// grid applied to a cell's run options, and the errors a bad study file gets.
final class GridStudyTests: XCTestCase {
    func testGridAxisParsesNumbersBooleansAndNames() throws {
        XCTAssertEqual(try GridAxis(parsing: "dropout=0,0.5").values, [.number(0), .number(0.5)])
        XCTAssertEqual(try GridAxis(parsing: "convBias=yes,no").values, [.bool(true), .bool(false)])
        XCTAssertEqual(try GridAxis(parsing: "activation=relu,sigmoid").values, [.string("relu"), .string("sigmoid")])
        XCTAssertThrowsError(try GridAxis(parsing: "dropout")) { error in
            XCTAssertTrue("\(error)".contains("KEY=V1,V2"), "\(error)")
        }
    }

    func testCellsCrossEveryAxisAndNameTheirSettings() {
        let plan = StudyPlan(
            norms: [.batch, .group], batchSizes: [64], rule: .fixed(base: 0.05), seedCount: 2,
            axes: [GridAxis(key: "dropout", values: [.number(0), .number(0.5)])])
        XCTAssertEqual(plan.cells.count, 8)
        XCTAssertEqual(
            plan.cells.prefix(4).map(\.id),
            [
                "batch-b64-lr0.05-dropout0-s1", "batch-b64-lr0.05-dropout0-s2", "batch-b64-lr0.05-dropout0.5-s1",
                "batch-b64-lr0.05-dropout0.5-s2"
            ])
        // Cells without further axes keep the ids of earlier studies, so those resume.
        XCTAssertEqual(StudyCell(norm: .group, batchSize: 8, learningRate: 0.05, seed: 1).id, "group-b8-lr0.05-s1")
        XCTAssertTrue(plan.summary(directory: "d", epochs: 1).contains("2 dropout values"))
    }

    func testTheRecipeAndTheCellSettingsReachTheRunOptions() throws {
        var settings = StudySettings()
        settings.recipe = [GridSetting(key: "steps", value: .number(250))]
        let cell = StudyCell(
            norm: .batch, batchSize: 8, learningRate: 0.1, seed: 2,
            settings: [
                GridSetting(key: "convBias", value: .bool(true)),
                GridSetting(key: "normPosition", value: .string("after"))
            ])
        let plan = StudyPlan(norms: [.batch], batchSizes: [8], rule: .fixed(base: 0.1), seedCount: 1)
        let runner = StudyRunner(
            settings: settings, plan: plan, directory: "/tmp/unused", threads: 1, commands: NoCommands()
        ) { _ in }
        let options = try runner.trainingOptions(cell)
        XCTAssertEqual(options.steps, 250)
        XCTAssertEqual(options.convBias, true)
        XCTAssertEqual(options.normPosition, .after)
        XCTAssertEqual(options.norm, .batch)
        XCTAssertEqual(options.batchSize, 8)
        XCTAssertEqual(options.seed, 2)
    }

    func testOverlayRefusesUnknownKeysAndWrongTypes() {
        XCTAssertThrowsError(try OptionsOverlay.apply([GridSetting(key: "dropuot", value: .number(0))], to: .init())) {
            XCTAssertTrue("\($0)".contains("'dropuot' is not a run option"), "\($0)")
            XCTAssertTrue("\($0)".contains("dropout"), "lists the keys: \($0)")
        }
        XCTAssertThrowsError(
            try OptionsOverlay.apply([GridSetting(key: "batchSize", value: .string("big"))], to: .init())
        ) { XCTAssertTrue("\($0)".contains("wrong type"), "\($0)") }
    }

    func testStudyFilesAreCheckedBeforeAnyCellRuns() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cnntrain-study-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func write(_ text: String) -> String {
            let path = directory.appendingPathComponent("s.json").path
            FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
            return path
        }
        let good = write(
            #"{"title": "t", "recipe": {"epochs": 2, "trainLimit": 100, "steps": 9}, "norms": ["batch", "group"], "batchSizes": [8], "grid": [{"key": "convBias", "values": [true, false]}], "seeds": 3}"#
        )
        let definition = try StudyDefinition.load(good)
        XCTAssertEqual(try definition.plan().cells.count, 12)
        XCTAssertEqual(try definition.settings().epochs, 2)
        XCTAssertEqual(try definition.settings().trainLimit, 100)
        XCTAssertEqual(try definition.settings().recipe, [GridSetting(key: "steps", value: .number(9))])
        XCTAssertEqual(StudyDefinition.directory(of: "studies/dropout.json"), "studies/dropout")

        let cases: [(String, String)] = [
            (#"{"title": "t", "norms": ["batch"], "grid": [{"key": "seed", "values": [1, 2]}], "seeds": 3}"#, "'seed'"),
            (#"{"title": "t", "norms": ["batch"], "recipe": {"lr": 1}, "seeds": 3}"#, "'lr' is not a run option"),
            (#"{"title": "t", "norms": ["batch"], "recipe": {"epochs": 0}, "seeds": 3}"#, "--epochs 0"),
            (#"{"title": "t", "norms": ["batchy"], "seeds": 3}"#, "not a study file"),
            (#"{"title": "t", "norms": ["batch"], "seeds": 0}"#, "'seeds'")
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try StudyDefinition.load(write(text)), text) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(text): \(error)")
            }
        }
        XCTAssertThrowsError(try StudyDefinition.load(directory.appendingPathComponent("none.json").path)) {
            XCTAssertTrue("\($0)".contains("no such study file"), "\($0)")
        }
    }

    func testColumnsAreHeadedByWhatVaries() {
        func aggregate(_ batch: Int, _ dropout: Double) -> CellAggregate {
            var result = CellResult(
                cell: StudyCell(
                    norm: .group, batchSize: batch, learningRate: 0.05, seed: 1,
                    settings: [GridSetting(key: "dropout", value: .number(dropout))]), status: "ok")
            result.testAccuracy = 0.5
            return CellAggregate.aggregate([result])[0]
        }
        XCTAssertEqual(
            StudyColumn.titles([StudyColumn(aggregate(64, 0)), StudyColumn(aggregate(64, 0.5))]),
            ["dropout 0", "dropout 0.5"])
        XCTAssertEqual(
            StudyColumn.titles([
                StudyColumn(aggregate(8, 0)), StudyColumn(aggregate(8, 0.5)), StudyColumn(aggregate(64, 0.5))
            ]),
            ["batch 8, dropout 0", "batch 8, dropout 0.5", "batch 64, dropout 0.5"])
        XCTAssertEqual(StudyColumn.titles([StudyColumn(aggregate(8, 0))]), ["batch 8, lr 0.05, dropout 0"])
    }
}

/// A runner whose cells are never started.
private struct NoCommands: ChildCommands {
    func train(configuration: String, runDirectory: String) -> ChildCommand { ChildCommand(program: "", arguments: []) }
    func speedProbe(configuration: String) -> ChildCommand { ChildCommand(program: "", arguments: []) }
    func torchTrain(script: String, configuration: String, result: String) -> ChildCommand {
        ChildCommand(program: "", arguments: [])
    }
    func torchSpeedProbe(script: String, configuration: String, memoryFormat: TorchMemoryFormat) -> ChildCommand {
        ChildCommand(program: "", arguments: [])
    }
}

extension GridStudyTests {
    func testAPartThatFollowsFromAnotherIsNotRepeated() {
        func column(_ batch: Int, _ rate: Double) -> StudyColumn {
            var result = CellResult(
                cell: StudyCell(norm: .group, batchSize: batch, learningRate: rate, seed: 1), status: "ok")
            result.testAccuracy = 0.5
            return StudyColumn(CellAggregate.aggregate([result])[0])
        }
        // The linear rule: the rate follows from the batch size.
        XCTAssertEqual(StudyColumn.titles([column(16, 0.0125), column(32, 0.025)]), ["batch 16", "batch 32"])
        // Rates tried at each batch size: both vary on their own.
        XCTAssertEqual(
            StudyColumn.titles([column(16, 0.1), column(16, 0.2), column(32, 0.1)]),
            ["batch 16, lr 0.1", "batch 16, lr 0.2", "batch 32, lr 0.1"])
    }
}
