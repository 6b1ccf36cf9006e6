import CNNCore
import CNNNorms
import XCTest

/// NormSlot, the one place of the norm-slot rules: what it says is what NormFactory builds.
final class NormSlotTests: XCTestCase {
    func testAffineShapeAndParameterCountAreThoseOfTheBuiltNorm() throws {
        for kind in NormKind.allCases {
            for (channels, height, width) in [(64, 14, 14), (6, 1, 1), (4, 3, 1)] {
                let slot = NormSlot(kind: kind, channelCount: channels, height: height, width: width, groupCount: 2)
                guard slot.problem == nil else { continue }
                let layer = try NormFactory.make(
                    kind, channelCount: channels, height: height, width: width, groupCount: 2, layerName: "n")
                let name = "\(kind) on \(channels)×\(height)×\(width)"
                XCTAssertEqual(slot.parameterCount, layer?.parameterCount ?? 0, name)
                XCTAssertEqual(slot.affineShape, layer?.parameters.first?.value.shape.dimensions ?? [], name)
                XCTAssertEqual(
                    slot.parameterCount, kind.parameterCount(channelCount: channels, height: height, width: width), name
                )
            }
        }
    }

    func testProblemsAreThoseNormFactoryThrows() {
        let cases: [(NormKind, Int, Int, Int, Int)] = [
            (.group, 6, 4, 4, 4), (.group, 6, 4, 4, 0), (.group, 6, 4, 4, 3), (.instance, 8, 1, 1, 1),
            (.instance, 8, 2, 1, 1), (.batch, 0, 4, 4, 1), (.layer, 3, 0, 4, 1), (.none, 3, 4, 4, 1)
        ]
        for (kind, channels, height, width, groups) in cases {
            let slot = NormSlot(kind: kind, channelCount: channels, height: height, width: width, groupCount: groups)
            let name = "\(kind) on \(channels)×\(height)×\(width), G = \(groups)"
            do {
                _ = try NormFactory.make(
                    kind, channelCount: channels, height: height, width: width, groupCount: groups, layerName: "n")
                XCTAssertNil(slot.problem, name)
            } catch {
                XCTAssertEqual("\(error)", "layer 'n': \(slot.problem ?? "no problem")", name)
            }
        }
        XCTAssertNotNil(NormSlot(kind: .group, channelCount: 6, height: 4, width: 4, groupCount: 4).problem)
        XCTAssertNil(NormSlot(kind: .group, channelCount: 6, height: 4, width: 4, groupCount: 3).problem)
    }

    /// A count that does not fit in an Int is nil, not a trap.
    func testHugeLayerNormCountDoesNotOverflow() {
        let slot = NormSlot(kind: .layer, channelCount: 1 << 30, height: 1 << 20, width: 1 << 20, groupCount: 1)
        XCTAssertNil(slot.parameterCount)
        XCTAssertEqual(
            NormSlot(kind: .layer, channelCount: 1024, height: 1 << 20, width: 1 << 20, groupCount: 1).parameterCount,
            1 << 51)
    }
}
