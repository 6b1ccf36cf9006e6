import CNNModels
import CNNNorms
import TestSupport
import XCTest

/// Model files with sizes far beyond a small CNN: a message naming the line, never an arithmetic
/// overflow (a trap) or an allocation of terabytes. Each case crashed the resolver before the limits
/// in ArgumentReader and ModelValidation.swift.
final class ModelLimitsTests: XCTestCase {
    func error(_ text: String, norm: NormKind = .batch) -> String? {
        do {
            let model = try ModelResolver.resolve(
                ModelFile(text: text, path: "big.cfg"), name: "big", classCount: 10,
                norm: NormConfiguration(kind: norm))
            return "resolved: \(model.layers.count) layers"
        } catch let error as ModelFileError {
            return error.description
        } catch {
            return "unexpected \(type(of: error)): \(error)"
        }
    }

    func testHugePaddingIsRefusedInsteadOfOverflowing() {
        let message = error(
            "input channels=1 size=28\nconv filters=8 size=3 pad=9223372036854775807\nflatten\nlinear out=classes\n")
        XCTAssertEqual(message, "big.cfg:2: pad=9223372036854775807 must be at most 1048576")
    }

    func testHugeInputIsRefused() {
        XCTAssertEqual(
            error("input channels=1 size=4294967296\nflatten\nlinear out=classes\n"),
            "big.cfg:1: size=4294967296 must be at most 1048576")
    }

    func testLayerNormTooLargeToAllocateIsRefusedBeforeAllocation() {
        let message = error(
            "input channels=1024 size=1048576\nnorm\nglobalavgpool\nflatten\nlinear out=classes\n", norm: .layer)
        XCTAssertTrue(
            message?.hasPrefix("big.cfg:2: a layer norm over 1024×1048576×1048576") ?? false, message ?? "nil")
    }

    func testTooManyParametersInTotalIsRefused() {
        let message = error("input channels=3 size=1024\nflatten\nlinear out=1048576\nlinear out=classes\n")
        XCTAssertTrue(message?.contains("more than 268435456 parameters") ?? false, message ?? "nil")
    }

    func testFlattenOfAHugeMapDoesNotOverflow() {
        let message = error("input channels=1048576 size=1048576\nflatten\nlinear out=classes\n")
        XCTAssertTrue(message?.contains("too large to flatten") ?? false, message ?? "nil")
    }
}
