import CNNCore
import CNNLayers
import CNNModels
import CNNNorms
import TestSupport
import XCTest

/// `--activation`, `--dropout`, `--conv-bias`: applied to every layer of their kind when a model
/// file is resolved, residual blocks included, with the parameter counts following.
final class ModelOverridesTests: XCTestCase {
    func resolve(_ model: String, norm: NormKind = .batch, _ overrides: ModelOverrides = .none) throws -> ResolvedModel
    {
        let (name, file) = try ModelCatalog.load(Fixtures.repositoryRoot.path + "/Models/\(model).cfg")
        return try ModelResolver.resolve(
            file, name: name, classCount: 10, norm: NormConfiguration(kind: norm), overrides: overrides)
    }

    /// Every layer of the model, residual bodies and shortcuts included, in order.
    func allLayers(_ layers: [LayerSpec]) -> [LayerSpec] {
        layers.flatMap { [$0] + allLayers($0.body ?? []) + allLayers($0.shortcut ?? []) }
    }

    func types(_ model: ResolvedModel) -> [String] { allLayers(model.layers).map(\.type) }

    func testSigmoidReplacesEveryReLUInsideResidualBlocksToo() throws {
        for model in ["smallcnn", "resnet"] {
            let plain = try resolve(model)
            let sigmoid = try resolve(model, ModelOverrides(activation: "sigmoid"))
            let reluCount = types(plain).filter { $0 == "relu" }.count
            XCTAssertGreaterThan(reluCount, 0, model)
            XCTAssertEqual(types(sigmoid).filter { $0 == "relu" }.count, 0, model)
            XCTAssertEqual(types(sigmoid).filter { $0 == "sigmoid" }.count, reluCount, model)
            // Nothing else changes: the same layers with the same parameter count.
            XCTAssertEqual(types(sigmoid).count, types(plain).count, model)
            XCTAssertEqual(try sigmoid.validatedParameterCount(), try plain.validatedParameterCount(), model)
        }
    }

    func testLeakyReLUGetsPyTorchsDefaultSlopeAndOthersNone() throws {
        let leaky = try resolve("smallcnn", ModelOverrides(activation: "leakyrelu"))
        let activations = allLayers(leaky.layers).filter { $0.type == "leakyrelu" }
        XCTAssertEqual(activations.count, 5)
        XCTAssertEqual(Set(activations.map(\.slope)), [0.01])
        let back = try ModelResolver.resolve(
            ModelFile(
                text: "input channels=1 size=4\nleakyrelu slope=0.2\nflatten\nlinear outputFeatures=classes", path: "t"),
            name: "t", classCount: 2, norm: NormConfiguration(kind: .none),
            overrides: ModelOverrides(activation: "tanh"))
        XCTAssertEqual(back.layers[0].type, "tanh")
        XCTAssertNil(back.layers[0].slope)
        _ = try ModelBuilder.build(leaky, seed: 1)
    }

    func testDropoutSetsEveryDropoutProbability() throws {
        let model = try resolve("smallcnn", ModelOverrides(dropout: 0.1))
        let dropouts = allLayers(model.layers).filter { $0.type == "dropout" }
        XCTAssertEqual(dropouts.count, 1)
        XCTAssertEqual(dropouts.map(\.probability), [0.1])
    }

    func testConvBiasYesAddsABiasToConvsInFrontOfANorm() throws {
        let plain = try resolve("smallcnn", norm: .batch)
        let biased = try resolve("smallcnn", norm: .batch, ModelOverrides(convBias: true))
        let convs = allLayers(biased.layers).filter { $0.type == "conv" }
        XCTAssertEqual(convs.map(\.bias), [true, true, true, true])
        XCTAssertEqual(allLayers(plain.layers).filter { $0.type == "conv" }.map(\.bias), [false, false, false, false])
        // One bias per output channel of each conv: 32 + 32 + 64 + 64.
        let channelSum = convs.map { $0.outputChannels! }.reduce(0, +)
        XCTAssertEqual(channelSum, 192)
        XCTAssertEqual(try biased.validatedParameterCount(), try plain.validatedParameterCount() + channelSum)
        XCTAssertEqual(
            try ModelBuilder.build(biased, seed: 1).parameterCount,
            try ModelBuilder.build(plain, seed: 1).parameterCount + channelSum)
    }

    func testConvBiasNoRemovesEveryConvBiasButNotTheLinearOnes() throws {
        for model in ["smallcnn", "resnet"] {
            let plain = try resolve(model, norm: .none)
            let unbiased = try resolve(model, norm: .none, ModelOverrides(convBias: false))
            let convs = allLayers(unbiased.layers).filter { $0.type == "conv" }
            XCTAssertTrue(convs.allSatisfy { $0.bias == false }, model)
            XCTAssertEqual(
                allLayers(unbiased.layers).filter { $0.type == "linear" }.map(\.bias),
                allLayers(plain.layers).filter { $0.type == "linear" }.map(\.bias), model)
            let plainConvBiases = allLayers(plain.layers).filter { $0.type == "conv" && $0.bias == true }
            XCTAssertFalse(plainConvBiases.isEmpty, model)
            XCTAssertEqual(
                try unbiased.validatedParameterCount(),
                try plain.validatedParameterCount() - plainConvBiases.map { $0.outputChannels! }.reduce(0, +), model)
        }
    }

    func testNoOverridesKeepTheModelAsBefore() throws {
        let (name, file) = try ModelCatalog.load(Fixtures.repositoryRoot.path + "/Models/resnet.cfg")
        let before = try ModelResolver.resolve(file, name: name, classCount: 10, norm: NormConfiguration(kind: .group))
        XCTAssertEqual(try resolve("resnet", norm: .group, ModelOverrides()), before)
    }

    func testABadOverrideNamesTheOption() throws {
        XCTAssertThrowsError(try resolve("smallcnn", ModelOverrides(activation: "gelu"))) { error in
            XCTAssertTrue("\(error)".contains("--activation gelu is not allowed"), "\(error)")
            XCTAssertTrue("\(error)".contains("relu, sigmoid, tanh, silu, leakyrelu"), "\(error)")
        }
        XCTAssertThrowsError(try resolve("smallcnn", ModelOverrides(dropout: 1.5))) { error in
            XCTAssertTrue("\(error)".contains("probability"), "\(error)")
        }
    }

    /// `--init-gain G`: conv and linear weights are G times a same-seed build's; biases and norm
    /// parameters are the same.
    func testInitGainScalesConvAndLinearWeightsOnly() throws {
        let resolved = try resolve("resnet", norm: .batch, ModelOverrides(convBias: true))
        let reference = try ModelBuilder.build(resolved, seed: 7)
        let scaled = try ModelBuilder.build(resolved, seed: 7)
        let gain: Float = 2.5
        ModelBuilder.scaleWeights(scaled, gain: gain)
        func parameters(_ layer: Layer) -> [(isWeight: Bool, parameter: Parameter)] {
            let isWeightLayer = layer is Conv2D || layer is Linear
            return layer.parameters.map { (isWeightLayer && $0.name == "weight", $0) }
                + layer.children.flatMap { parameters($0.layer) }
        }
        let pairs = zip(parameters(reference), parameters(scaled))
        XCTAssertEqual(pairs.filter { $0.0.isWeight }.count, 10)  // resnet: convs and the linear
        XCTAssertTrue(pairs.contains { !$0.0.isWeight && $0.0.parameter.name == "bias" })
        for (before, after) in pairs {
            let a = before.parameter.value, b = after.parameter.value
            for index in 0..<a.count {
                let expected = before.isWeight ? a.data[index] * gain : a.data[index]
                XCTAssertEqual(b.data[index], expected, "\(before.parameter.name)[\(index)]")
                if b.data[index] != expected { return }
            }
        }
    }
}
