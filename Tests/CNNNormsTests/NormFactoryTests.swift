import CNNCore
import CNNNorms
import TestSupport
import XCTest

/// NormKind and NormFactory: what `--norm` and `--groups` build, and their error messages.
final class NormFactoryTests: XCTestCase {
    func testKindsAndExplanations() {
        XCTAssertEqual(NormKind.allCases.map(\.rawValue), ["batch", "layer", "instance", "group", "none", "syncbatch"])
        XCTAssertTrue(NormKind.allCases.allSatisfy { !$0.explanation.isEmpty && !$0.explanation.contains("\n") })
    }

    func testBuildsEachKindWithItsParameterCount() throws {
        func make(_ kind: NormKind, _ c: Int = 64, _ h: Int = 14, _ w: Int = 14, groups: Int = 8) throws -> Layer? {
            try NormFactory.make(
                kind, channelCount: c, height: h, width: w, groupCount: groups, layerName: "conv4 norm")
        }
        XCTAssertNil(try make(.none))
        XCTAssertTrue(try make(.batch) is BatchNorm)
        XCTAssertEqual(try make(.batch)?.parameterCount, 128)
        XCTAssertEqual(try make(.layer)?.parameterCount, 25_088)
        XCTAssertEqual(try make(.instance)?.parameterCount, 128)
        XCTAssertEqual(try make(.group)?.parameterCount, 128)
        XCTAssertEqual((try make(.group) as? GroupNorm)?.groupCount, 8)
        for kind in NormKind.allCases {
            XCTAssertEqual(
                kind.parameterCount(channelCount: 64, height: 14, width: 14), try make(kind)?.parameterCount ?? 0,
                "\(kind)")
        }
        // The group count is ignored by the other kinds.
        XCTAssertNotNil(try make(.batch, groups: 5))
        // (N, C) features: LayerNorm(C) with γ of shape (C).
        let features = try make(.layer, 10, 1, 1) as? LayerNorm
        XCTAssertEqual(features?.weight.value.shape, Shape(10))
        XCTAssertNoThrow(try features?.validate(Shape(4, 10), mode: .training))
    }

    /// The message `NormFactory.make` throws, or "built" when it builds.
    func message(_ kind: NormKind, channels: Int, size: Int, groups: Int, layer: String) -> String {
        do {
            _ = try NormFactory.make(
                kind, channelCount: channels, height: size, width: size, groupCount: groups, layerName: layer)
            return "built"
        } catch {
            XCTAssertTrue(error is LayerError, "\(error)")
            return "\(error)"
        }
    }

    func testGroupCountThatDoesNotDivideNamesLayerAndBothNumbers() {
        XCTAssertEqual(
            message(.group, channels: 32, size: 28, groups: 5, layer: "conv2 norm"),
            "layer 'conv2 norm': --groups 5 does not divide 32 channels; "
                + "use a divisor of 32 such as 1, 2, 4, 8, 16, 32")
        XCTAssertNotEqual(message(.group, channels: 32, size: 28, groups: 64, layer: "conv2 norm"), "built")
        XCTAssertEqual(
            message(.group, channels: 6, size: 4, groups: 0, layer: "stage norm"),
            "layer 'stage norm': --groups 0 must be at least 1; use a divisor of 6 such as 1, 2, 3, 6")
    }

    func testInstanceNormOnFeaturesIsAnError() {
        let text = message(.instance, channels: 128, size: 1, groups: 1, layer: "fc1 norm")
        XCTAssertTrue(text.hasPrefix("layer 'fc1 norm': instance norm needs a spatial map"), text)
    }

    /// Buffers are sized once per batch shape: later steps reuse the same memory.
    func testStepsReuseTheirBuffers() throws {
        let shape = Shape(4, 8, 6, 6)
        let x = GradientCheck.randomTensor(shape, seed: 1), dy = GradientCheck.randomTensor(shape, seed: 2)
        for kind in NormKind.allCases {
            guard
                let layer = try NormFactory.make(
                    kind, channelCount: 8, height: 6, width: 6, groupCount: 2, layerName: "n")
            else { continue }
            let y = layer.forward(x, mode: .training), dx = layer.backward(dy, needsInputGradient: true)!
            let (yData, dxData) = (y.data, dx.data)
            for _ in 0..<3 {
                XCTAssertEqual(layer.forward(x, mode: .training).data, yData, "\(kind) output")
                XCTAssertEqual(layer.backward(dy, needsInputGradient: true)!.data, dxData, "\(kind) dx")
            }
        }
    }

    /// Chunking changes only the order of additions: 1, 2 and 3 threads agree to rounding, and a
    /// fixed thread count repeats bit for bit.
    func testThreadCountsAgree() throws {
        let shape = Shape(5, 8, 6, 7)
        let x = GradientCheck.randomTensor(shape, seed: 3, low: -1, high: 3),
            dy = GradientCheck.randomTensor(shape, seed: 4)
        let original = Parallel.threadCount
        defer { Parallel.setThreadCount(original) }
        for kind in NormKind.allCases {
            var results: [[Float]] = []
            for threads in [1, 2, 3, 3] {
                Parallel.setThreadCount(threads)
                guard
                    let layer = try NormFactory.make(
                        kind, channelCount: 8, height: 6, width: 7, groupCount: 4, layerName: "n")
                else { continue }
                let y = layer.forward(x, mode: .training).array
                let dx = layer.backward(dy, needsInputGradient: true)!.array
                results.append(y + dx + layer.namedParameters().flatMap { $0.parameter.gradient.array })
            }
            guard let first = results.first else { continue }
            for result in results.dropFirst() {
                assertClose(result, first, relative: 1e-5, absolute: 1e-5, "\(kind) threads")
            }
            XCTAssertEqual(results[2], results[3], "\(kind): same thread count, same bits")
        }
    }
}
