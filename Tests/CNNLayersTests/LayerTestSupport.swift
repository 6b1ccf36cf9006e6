import CNNCore
import CNNLayers
import TestSupport
import XCTest

/// Golden cases from scripts/golden/make_layers.py (Tests/Fixtures/golden/layers.json), loaded once.
enum LayerGolden {
    /// A missing or unreadable fixture fails the golden tests (it is committed; regenerate it
    /// with scripts/golden/make_layers.py).
    static let loaded = Result { try GoldenFile("layers") }
    static var file: GoldenFile { get throws { try loaded.get() } }

    /// Loads the case's parameters into `layer` (by state_dict name), runs forward on "x",
    /// compares with "y", runs backward with "dy" and compares "dx" and "d<parameter>".
    static func check(_ layer: Layer, _ caseName: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let golden = try Self.file
        func entry(_ name: String) throws -> GoldenFile.Entry { try golden.entry(caseName, name) }
        for (name, parameter) in layer.namedParameters() {
            parameter.value.copyValues(try entry(name).values.map(Float.init))
        }
        layer.zeroGradients()
        let output = layer.forward(try entry("x").tensor, mode: .training)
        XCTAssertEqual(output.shape.dimensions, try entry("y").shape, "\(caseName) y shape", file: file, line: line)
        assertClose(output.array, try entry("y").tensor.array, "\(caseName) y", file: file, line: line)
        let inputGradient = layer.backward(try entry("dy").tensor, needsInputGradient: true)
        XCTAssertEqual(
            inputGradient?.shape.dimensions, try entry("dx").shape, "\(caseName) dx shape", file: file, line: line)
        assertClose(inputGradient?.array ?? [], try entry("dx").tensor.array, "\(caseName) dx", file: file, line: line)
        for (name, parameter) in layer.namedParameters() {
            assertClose(
                parameter.gradient.array, try entry("d" + name).tensor.array, "\(caseName) d\(name)", file: file,
                line: line)
        }
    }
}

/// The checks every element-wise activation passes: finite-difference gradients on `input`,
/// the PyTorch golden case `goldenCase`, and `nil` from backward when no input gradient is needed.
func checkActivation(
    _ makeLayer: () -> Layer, golden goldenCase: String, gradientInput: Tensor, file: StaticString = #filePath,
    line: UInt = #line
) throws {
    GradientCheck.check(makeLayer(), input: gradientInput, samplesPerTensor: 60, file: file, line: line)
    try LayerGolden.check(makeLayer(), goldenCase, file: file, line: line)
    let layer = makeLayer()
    let input = GradientCheck.randomTensor(Shape(2, 3), seed: 2)
    _ = layer.forward(input, mode: .training)
    XCTAssertNil(layer.backward(input, needsInputGradient: false), file: file, line: line)
}

/// Inputs for gradient checks of piecewise-linear layers: every element differs from every other
/// by at least `spacing` and none is within `spacing / 2` of zero, so a finite-difference step
/// smaller than spacing / 2 never crosses a kink (a max-pool tie, ReLU at 0).
func kinkFreeTensor(_ shape: Shape, seed: UInt64, spacing: Float = 0.05) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    let count = shape.count
    var values = (0..<count).map { Float($0 - count / 2) * spacing + spacing / 2 }
    values.shuffle(using: &generator)
    return Tensor(shape: shape, values: values)
}

/// One plain SGD step, p ← p − lr·∂p, then zeroes the gradients (optimizers live elsewhere).
func sgdStep(_ model: Layer, learningRate: Float) {
    for (_, parameter) in model.namedParameters() {
        for i in 0..<parameter.count { parameter.value[i] -= learningRate * parameter.gradient[i] }
    }
    model.zeroGradients()
}
