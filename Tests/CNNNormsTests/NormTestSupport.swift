import CNNCore
import CNNNorms
import TestSupport
import XCTest

/// One finite-difference configuration of `NormTesting.sweep`.
typealias SweepCase = NormTesting.Case

/// Helpers shared by the norm tests.
///
/// Golden values: Tests/Fixtures/golden/norms.json, written by scripts/golden/make_norms.py
/// (PyTorch 1.13, float32). Tolerance 1e-4 relative / 1e-5 absolute.
enum NormTesting {
    nonisolated(unsafe) static var cachedGolden: GoldenFile?

    static func golden() throws -> GoldenFile {
        if let cachedGolden { return cachedGolden }
        let file = try GoldenFile("norms")
        cachedGolden = file
        return file
    }

    /// Loads `caseName`'s x, γ, β and dy, runs a training forward and backward on `layer`, and
    /// compares y, dx, dγ, dβ with PyTorch's.
    static func checkGolden(
        _ layer: AffineNorm, caseName: String, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let golden = try golden()
        let weight = layer.weight, bias = layer.bias
        let x = try golden.entry(caseName, "x").tensor
        let dy = try golden.entry(caseName, "dy").tensor
        weight.value.copyValues(try golden.entry(caseName, "weight").values.map(Float.init))
        bias.value.copyValues(try golden.entry(caseName, "bias").values.map(Float.init))
        XCTAssertNoThrow(try layer.validate(x.shape, mode: .training), file: file, line: line)
        layer.zeroGradients()
        let y = layer.forward(x, mode: .training).array
        let dx = layer.backward(dy, needsInputGradient: true)?.array ?? []
        var report = "golden \(caseName) (\(layer.summary)), largest |ours − PyTorch|:"
        for (name, ours) in [("y", y), ("dx", dx), ("dweight", weight.gradient.array), ("dbias", bias.gradient.array)] {
            let expected = try values(golden, caseName, name)
            assertClose(ours, expected, "\(caseName) \(name)", file: file, line: line)
            report += " \(name) \(maxDifference(ours, expected))"
        }
        print(report)
    }

    static func values(_ golden: GoldenFile, _ caseName: String, _ name: String) throws -> [Float] {
        try golden.entry(caseName, name).values.map(Float.init)
    }

    /// γ ∈ U(0.5, 1.5), β ∈ U(−0.5, 0.5), so that the affine part is exercised.
    static func randomizeAffine(_ weight: Parameter, _ bias: Parameter, seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        for i in 0..<weight.count { weight.value[i] = generator.uniform(0.5, 1.5) }
        for i in 0..<bias.count { bias.value[i] = generator.uniform(-0.5, 0.5) }
    }

    /// One finite-difference configuration of a gradient-check sweep.
    struct Case: CustomStringConvertible {
        var batch: Int, channels: Int, height: Int, width: Int
        var groups = 1
        /// Coordinates checked per tensor: all of a small tensor, a few of a 28×28 or C = 64 one.
        var samples = 24
        var shape: Shape { Shape(batch, channels, height, width) }
        var description: String { "N=\(batch) C=\(channels) \(height)×\(width) G=\(groups)" }
    }

    /// Runs `GradientCheck.check` (dx, dγ, dβ) for every case on a fresh layer with random γ, β.
    ///
    /// Tolerance: GradientCheck's default, 2e-2 relative with a 1e-3 floor and h = 1e-2. The forward
    /// is Float32, so the central difference carries ~√M·ulp(y)/2h ≈ 4e-4 of rounding noise at
    /// M = 50,176 values per set and an O(h²/σ²) ≈ 3e-4 truncation error for U(−1, 1) data; the
    /// analytic gradient is exact to Float rounding. A wrong formula (e.g. ε placed differently,
    /// or a missing mean term) gives errors of order 1.
    static func sweep(
        _ cases: [Case], mode: Mode = .training, make: (Case) -> AffineNorm,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        for (index, c) in cases.enumerated() {
            let layer = make(c)
            randomizeAffine(layer.weight, layer.bias, seed: UInt64(100 + index))
            let input = GradientCheck.randomTensor(c.shape, seed: UInt64(200 + index))
            let result = GradientCheck.check(
                layer, input: input, mode: mode, samplesPerTensor: c.samples,
                seed: UInt64(300 + index), file: file, line: line)
            XCTAssertGreaterThan(result.checked, 0, "\(c)", file: file, line: line)
            print(
                "gradient check \(layer.summary) \(c): \(result.checked) coordinates, worst \(result.worstRelativeError)"
            )
            if result.worstRelativeError > 2e-2 { XCTFail("failing case \(c)", file: file, line: line) }
        }
    }

    /// For each shape, a fresh layer from `make` with random γ, β against the naive `NormReference`
    /// over `statistics(shape)`: y, dx, dγ, dβ. `parameterAbsolute` is the absolute tolerance of dγ, dβ.
    static func checkMatchesReference(
        _ shapes: [Shape], make: (Shape) -> AffineNorm, statistics: (Shape) -> NormReference.Statistics,
        perElementAffine: Bool = false, parameterAbsolute: Float = 1e-4, file: StaticString = #filePath,
        line: UInt = #line
    ) {
        for (index, shape) in shapes.enumerated() {
            let layer = make(shape)
            randomizeAffine(layer.weight, layer.bias, seed: UInt64(index))
            let x = GradientCheck.randomTensor(shape, seed: UInt64(10 + index), low: -3, high: 5)
            let dy = GradientCheck.randomTensor(shape, seed: UInt64(20 + index))
            let reference = NormReference(
                shape: shape, statistics: statistics(shape), perElementAffine: perElementAffine)
            let gamma = layer.weight.value.array
            assertClose(
                layer.forward(x, mode: .training).array,
                reference.forward(x.array, gamma: gamma, beta: layer.bias.value.array),
                relative: 1e-5, absolute: 1e-5, "y \(shape)", file: file, line: line)
            let dx = layer.backward(dy, needsInputGradient: true)!
            let expected = reference.backward(dy.array, x: x.array, gamma: gamma)
            assertClose(dx.array, expected.input, relative: 1e-4, absolute: 1e-5, "dx \(shape)", file: file, line: line)
            assertClose(
                layer.weight.gradient.array, expected.gamma, relative: 1e-4, absolute: parameterAbsolute,
                "dγ \(shape)", file: file, line: line)
            assertClose(
                layer.bias.gradient.array, expected.beta, relative: 1e-4, absolute: parameterAbsolute,
                "dβ \(shape)", file: file, line: line)
        }
    }

    /// A constant input (zero variance) gives a finite output, dx, dγ and dβ.
    static func checkConstantInputIsFinite(
        _ layer: AffineNorm, shape: Shape, value: Float, file: StaticString = #filePath, line: UInt = #line
    ) {
        let x = Tensor(shape: shape)
        x.fill(value)
        assertFinite(layer.forward(x, mode: .training).array, "output", file: file, line: line)
        assertFinite(
            layer.backward(GradientCheck.randomTensor(shape, seed: 7), needsInputGradient: true)!.array, "dx",
            file: file, line: line)
        assertFinite(layer.weight.gradient.array + layer.bias.gradient.array, "dγ, dβ", file: file, line: line)
    }

    /// Asserts every value is finite.
    static func assertFinite(_ values: [Float], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(values.allSatisfy(\.isFinite), "\(message) has non-finite values", file: file, line: line)
    }

    /// Largest |a − b|.
    static func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }
}
