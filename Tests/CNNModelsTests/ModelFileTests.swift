import CNNCore
import CNNLayers
import CNNModels
import CNNNorms
import TestSupport
import XCTest

/// The model-file format: parsing, shape inference, norm slots, and errors that name the line.
final class ModelFileTests: XCTestCase {
    func resolve(
        _ text: String, norm: NormKind = .batch, groups: Int? = nil, position: NormPosition = .before,
        classes: Int = 10
    ) throws -> ResolvedModel {
        try ModelResolver.resolve(
            ModelFile(text: text, path: "test.cfg"), name: "test", classCount: classes,
            norm: NormConfiguration(kind: norm, groupCount: groups, position: position))
    }

    func error(_ text: String, norm: NormKind = .batch, groups: Int? = nil) -> ModelFileError? {
        do { _ = try resolve(text, norm: norm, groups: groups); return nil } catch let error as ModelFileError {
            return error
        } catch {
            XCTFail("unexpected error \(error)"); return nil
        }
    }

    func smallcnn(_ norm: NormKind, groups: Int? = nil) throws -> (ResolvedModel, Sequential) {
        let (name, file) = try ModelCatalog.load(Fixtures.repositoryRoot.path + "/Models/smallcnn.cfg")
        let resolved = try ModelResolver.resolve(
            file, name: name, classCount: 10,
            norm: NormConfiguration(kind: norm, groupCount: groups))
        return (resolved, try ModelBuilder.build(resolved, seed: 1))
    }

    func testSmallCNNHasTheReferenceParameterCounts() throws {
        XCTAssertEqual(try smallcnn(.batch).1.parameterCount, 468_010)
        // Without norms the four convs keep their biases (32 + 32 + 64 + 64) and the norms' γ, β go.
        XCTAssertEqual(try smallcnn(.none).1.parameterCount, 468_010 - 2 * (32 + 32 + 64 + 64) + (32 + 32 + 64 + 64))
        XCTAssertEqual(try smallcnn(.group).1.parameterCount, 468_010)
        XCTAssertEqual(try smallcnn(.instance).1.parameterCount, 468_010)
        // LayerNorm: per-element γ, β: 2·(32·28·28·2 + 64·14·14·2).
        let (resolved, model) = try smallcnn(.layer)
        XCTAssertEqual(model.normParameterCount, 2 * (32 * 784 * 2 + 64 * 196 * 2))
        let report = ModelReport(resolved: resolved, model: model)
        let stage = report.rows.filter(\.isNorm).last!
        XCTAssertEqual(stage.outputShape, [64, 14, 14])
        XCTAssertEqual(stage.parameters, 25_088)
        let batchStage = ModelReport(resolved: try smallcnn(.batch).0, model: try smallcnn(.batch).1).rows.filter(
            \.isNorm
        ).last!
        XCTAssertEqual(batchStage.parameters, 128)
    }

    func testStateDictNamesFollowTheResolvedSequential() throws {
        let names =
            try smallcnn(.batch).1.namedParameters().map(\.name) + (try smallcnn(.batch).1.namedBuffers().map(\.name))
        XCTAssertTrue(names.contains("0.weight"))
        XCTAssertFalse(names.contains("0.bias"), "a conv before a norm has no bias")
        XCTAssertTrue(names.contains("1.running_mean"))
        XCTAssertTrue(names.contains("1.num_batches_tracked"))
        let none = try smallcnn(.none).1.namedParameters().map(\.name)
        XCTAssertTrue(none.contains("0.bias"), "with --norm none the conv keeps its bias")
        XCTAssertTrue(none.contains("2.weight"), "a removed slot takes no index: the second conv is layer 2")
    }

    func testNormPositionAfterMovesTheNormBehindTheActivation() throws {
        let text = "input channels=1 size=8\nconv filters=4 size=3 pad=1\nnorm\nrelu\nflatten\nlinear out=classes\n"
        let before = try resolve(text).layers.map(\.type)
        let after = try resolve(text, position: .after).layers.map(\.type)
        XCTAssertEqual(before, ["conv", "norm", "relu", "flatten", "linear"])
        XCTAssertEqual(after, ["conv", "relu", "norm", "flatten", "linear"])
        XCTAssertEqual(
            try resolve(text, position: .after).layers[0].bias, true, "the conv is no longer directly before a norm")
    }

    func testShapesAreInferredThroughResidualBlocks() throws {
        let (name, file) = try ModelCatalog.load(Fixtures.repositoryRoot.path + "/Models/resnet.cfg")
        let resolved = try ModelResolver.resolve(file, name: name, classCount: 7, norm: NormConfiguration(kind: .group))
        XCTAssertEqual(resolved.layers.last?.outputShape, [7])
        let residuals = resolved.layers.filter { $0.type == "residual" }
        XCTAssertEqual(residuals.map(\.outputShape), [[32, 32, 32], [64, 16, 16], [128, 8, 8]])
        let model = try ModelBuilder.build(resolved, seed: 3)
        XCTAssertTrue(model.namedParameters().map(\.name).contains("5.shortcut.0.weight"))
    }

    func testMistakesNameTheLineAndWhatIsAllowed() {
        let head = "input channels=1 size=28\n"
        let tail = "flatten\nlinear out=classes\n"
        XCTAssertEqual(error(head + "conx filters=3 size=3\n" + tail)?.line, 2)
        XCTAssertTrue(error(head + "conx filters=3 size=3\n" + tail)!.message.contains("did you mean 'conv'"))
        XCTAssertTrue(error(head + "conv filter=3 size=3\n" + tail)!.message.contains("no argument 'filter'"))
        XCTAssertTrue(error(head + "conv size=3\n" + tail)!.message.contains("needs outputChannels="))
        XCTAssertTrue(error(head + "conv filters=3 size=40\n" + tail)!.message.contains("does not fit"))
        XCTAssertTrue(error(head + "conv filters=three size=3\n" + tail)!.message.contains("not a whole number"))
        XCTAssertTrue(error(head + "linear out=10\n")!.message.contains("put `flatten`"))
        XCTAssertTrue(
            error(head + "conv filters=6 size=3\nnorm\n" + tail, norm: .group, groups: 4)!.message.contains(
                "does not divide"))
        XCTAssertEqual(error(head + "conv filters=6 size=3\nnorm\n" + tail, norm: .group, groups: 4)?.line, 3)
        XCTAssertTrue(error(head + "flatten\nlinear out=5\n")!.message.contains("10 classes"))
        XCTAssertTrue(error("conv filters=3 size=3\n")!.message.contains("first line must be `input"))
        XCTAssertTrue(
            error(head + "residual\nconv filters=4 size=3 pad=1\nend\n" + tail)!.message.contains("add a `shortcut`"))
        XCTAssertTrue(error(head + "residual\nrelu\n" + tail)!.message.contains("no `end`"))
        XCTAssertTrue(error(head + "end\n" + tail)!.message.contains("outside a `residual`"))
        XCTAssertTrue(error(head + "dropout p=1.5\n" + tail)!.message.contains("[0, 1)"))
        XCTAssertTrue(error(head + "conv filters=3 size=3 size=5\n" + tail)!.message.contains("given twice"))
        XCTAssertTrue(error(head + "conv filters=3 size\n" + tail)!.message.contains("key=value"))
        XCTAssertTrue(error(head + "flatten\nnorm\nlinear out=classes\n", norm: .instance)!.message.contains("nstance"))
    }

    func testUnknownModelNameListsTheAvailableOnes() {
        XCTAssertThrowsError(try ModelCatalog.load("no-such-model")) { error in
            XCTAssertTrue("\(error)".contains("no such model file"), "\(error)")
        }
    }
}
