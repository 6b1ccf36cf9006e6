import CNNCore
import CNNTraining
import Foundation
import TestSupport
import XCTest

/// Optimizers against torch.optim (golden values from scripts/golden/make_optim.py), state
/// save/restore, and setting validation.
final class OptimizerTests: XCTestCase {
    static let names = ["weight", "bias"]

    /// Fresh parameters holding the golden initial values.
    func makeParameters(_ golden: GoldenFile) throws -> [(name: String, parameter: Parameter)] {
        try Self.names.map { name in
            let entry = try golden.entry("inputs", name)
            let parameter = Parameter(name: name, shape: Shape(entry.shape))
            parameter.value.copy(from: entry.tensor)
            return (name, parameter)
        }
    }

    func setGradients(_ parameters: [(name: String, parameter: Parameter)], step: Int, _ golden: GoldenFile) throws {
        for (name, parameter) in parameters {
            parameter.gradient.copy(from: try golden.entry("inputs", "grad\(step).\(name)").tensor)
        }
    }

    /// Runs the 3 golden steps with `make`'s optimizer and compares after every step.
    func checkAgainstTorch(
        _ caseName: String, learningRates: [Float],
        _ make: ([(name: String, parameter: Parameter)]) throws -> Optimizer,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let golden = try GoldenFile("optim")
        let parameters = try makeParameters(golden)
        let optimizer = try make(parameters)
        for step in 1...3 {
            try setGradients(parameters, step: step, golden)
            optimizer.step(learningRate: learningRates[step - 1])
            XCTAssertEqual(optimizer.stepCount, step, file: file, line: line)
            for (name, parameter) in parameters {
                let expected = try golden.entry(caseName, "step\(step).\(name)")
                assertClose(
                    parameter.value.array, expected.values.map(Float.init),
                    "\(caseName) step \(step) \(name)", file: file, line: line)
            }
        }
    }

    static let sgdRates: [Float] = [0.1, 0.05, 0.2]
    static let adamRates: [Float] = [0.01, 0.005, 0.02]

    func testSGDMomentumMatchesTorch() throws {
        try checkAgainstTorch("sgd_momentum", learningRates: Self.sgdRates) {
            try SGD(parameters: $0, momentum: 0.9, weightDecay: 5e-4)
        }
    }

    func testSGDNesterovMatchesTorch() throws {
        try checkAgainstTorch("sgd_nesterov", learningRates: Self.sgdRates) {
            try SGD(parameters: $0, momentum: 0.9, nesterov: true, weightDecay: 5e-4)
        }
    }

    func testSGDDampeningMatchesTorch() throws {
        try checkAgainstTorch("sgd_dampening", learningRates: Self.sgdRates) {
            try SGD(parameters: $0, momentum: 0.8, dampening: 0.3)
        }
    }

    func testPlainSGDMatchesTorch() throws {
        try checkAgainstTorch("sgd_plain", learningRates: Self.sgdRates) {
            try SGD(parameters: $0, weightDecay: 1e-2)
        }
    }

    func testAdamWMatchesTorch() throws {
        try checkAgainstTorch("adamw", learningRates: Self.adamRates) {
            try AdamW(parameters: $0, weightDecay: 0.01)
        }
    }

    func testAdamWCustomSettingsMatchTorch() throws {
        try checkAgainstTorch("adamw_custom", learningRates: Self.adamRates) {
            try AdamW(parameters: $0, beta1: 0.8, beta2: 0.99, epsilon: 1e-3, weightDecay: 0.1)
        }
    }

    /// SGD's 16-lane update (a parameter of 16·k + 5 elements covers the vector loop and the scalar
    /// tail) gives, bit for bit, PyTorch's per-element formula evaluated one element at a time, for
    /// every combination of momentum, dampening and Nesterov, on the first step and after it.
    func testSGDVectorUpdateMatchesTheScalarFormulaBitForBit() throws {
        let count = 16 * 9 + 5
        for (momentum, dampening, nesterov) in [
            (Float(0), Float(0), false), (0.9, 0, false), (0.9, 0.3, false), (0.9, 0, true)
        ] {
            let label = "momentum \(momentum) dampening \(dampening) nesterov \(nesterov)"
            let parameter = Parameter(name: "w", shape: Shape(count))
            parameter.value.copyValues((0..<count).map { Float(sin(Double($0) * 0.37)) })
            var p = parameter.value.array, b = [Float](repeating: 0, count: count)
            let sgd = try SGD(
                parameters: [("w", parameter)], momentum: momentum, dampening: dampening, nesterov: nesterov,
                weightDecay: 5e-4)
            for step in 0..<3 {
                let g = (0..<count).map { Float(cos(Double($0 + 31 * step) * 0.53)) * 0.1 }
                parameter.gradient.copyValues(g)
                let learningRate: Float = 0.05 + 0.01 * Float(step)
                sgd.step(learningRate: learningRate)
                for i in 0..<count {  // torch.optim.SGD's update, one element at a time
                    var d = g[i] + 5e-4 * p[i]
                    if momentum != 0 {
                        b[i] = step == 0 ? d : momentum * b[i] + (1 - dampening) * d
                        d = nesterov ? d + momentum * b[i] : b[i]
                    }
                    p[i] -= learningRate * d
                }
                let got = parameter.value.array
                XCTAssertEqual(got.map(\.bitPattern), p.map(\.bitPattern), "\(label), step \(step + 1)")
            }
        }
    }

    func testInvalidSettingsThrow() {
        let parameters = [(name: "w", parameter: Parameter(name: "w", shape: Shape(2)))]
        XCTAssertThrowsError(try SGD(parameters: parameters, nesterov: true)) { error in
            XCTAssertTrue("\(error)".contains("Nesterov momentum requires momentum > 0 and dampening 0"), "\(error)")
        }
        XCTAssertThrowsError(try SGD(parameters: parameters, momentum: 0.9, dampening: 0.1, nesterov: true))
        XCTAssertThrowsError(try SGD(parameters: parameters, momentum: -0.1))
        XCTAssertThrowsError(try SGD(parameters: parameters, weightDecay: -1))
        XCTAssertThrowsError(try AdamW(parameters: parameters, beta1: 1))
        XCTAssertThrowsError(try AdamW(parameters: parameters, beta2: -0.5))
        XCTAssertThrowsError(try AdamW(parameters: parameters, epsilon: -1))
        XCTAssertNoThrow(try SGD(parameters: parameters, momentum: 0.9, nesterov: true))
    }

    func testStateTensorNames() throws {
        let golden = try GoldenFile("optim")
        let sgd = try SGD(parameters: try makeParameters(golden), momentum: 0.9)
        XCTAssertEqual(sgd.stateTensors().map(\.name), ["momentum_buffer.weight", "momentum_buffer.bias"])
        XCTAssertEqual(try SGD(parameters: try makeParameters(golden)).stateTensors().count, 0)
        let adam = try AdamW(parameters: try makeParameters(golden))
        XCTAssertEqual(
            adam.stateTensors().map(\.name), ["exp_avg.weight", "exp_avg.bias", "exp_avg_sq.weight", "exp_avg_sq.bias"])
        XCTAssertEqual(adam.stateTensors().map(\.tensor.shape), [Shape(3, 4), Shape(4), Shape(3, 4), Shape(4)])
    }

    /// Two steps, save through a safetensors file on disk, restore into a fresh optimizer on copied
    /// parameters: the third step must give bit-identical parameters.
    func checkSaveRestore(_ make: ([(name: String, parameter: Parameter)]) throws -> Optimizer) throws {
        let golden = try GoldenFile("optim")
        let original = try makeParameters(golden)
        let optimizer = try make(original)
        for step in 1...2 {
            try setGradients(original, step: step, golden)
            optimizer.step(learningRate: 0.05)
        }
        var checkpoint = SafeTensorsFile()
        for (name, parameter) in original { checkpoint.add(name, tensor: parameter.value) }
        optimizer.addState(to: &checkpoint)
        let path = temporaryDirectory() + "/state.safetensors"
        try checkpoint.write(path: path)

        let loaded = try SafeTensorsFile.read(path: path)
        let resumed = try makeParameters(golden)
        for (name, parameter) in resumed { try loaded.read(name, into: parameter.value) }
        let restored = try make(resumed)
        try restored.restoreState(from: loaded)
        XCTAssertEqual(restored.stepCount, 2)

        try setGradients(original, step: 3, golden)
        try setGradients(resumed, step: 3, golden)
        optimizer.step(learningRate: 0.05)
        restored.step(learningRate: 0.05)
        for index in original.indices {
            XCTAssertEqual(
                original[index].parameter.value.array, resumed[index].parameter.value.array, original[index].name)
        }
        for (a, b) in zip(optimizer.stateTensors(), restored.stateTensors()) {
            XCTAssertEqual(a.tensor.array, b.tensor.array, a.name)
        }
    }

    func testSGDStateRoundTrip() throws {
        try checkSaveRestore { try SGD(parameters: $0, momentum: 0.9, nesterov: true, weightDecay: 5e-4) }
    }

    func testAdamWStateRoundTrip() throws {
        try checkSaveRestore { try AdamW(parameters: $0) }
    }

    func testMismatchedStateThrows() throws {
        let golden = try GoldenFile("optim")
        let adam = try AdamW(parameters: try makeParameters(golden))
        let sgd = try SGD(parameters: try makeParameters(golden), momentum: 0.9)
        var state = Dictionary(uniqueKeysWithValues: adam.stateTensors().map { ($0.name, $0.tensor) })

        // Another optimizer's checkpoint.
        var sgdFile = SafeTensorsFile()
        sgd.addState(to: &sgdFile)
        XCTAssertThrowsError(try adam.restoreState(from: sgdFile)) { error in
            XCTAssertTrue("\(error)".contains("checkpoint holds sgd state, but the optimizer is adamw"), "\(error)")
        }
        // No optimizer state at all.
        XCTAssertThrowsError(try adam.restoreState(from: SafeTensorsFile())) { error in
            XCTAssertTrue("\(error)".contains("no optimizer state"), "\(error)")
        }
        // Wrong shape.
        state["exp_avg.bias"] = Tensor(5)
        XCTAssertThrowsError(try adam.restoreState(stepCount: 1, tensors: state)) { error in
            XCTAssertTrue("\(error)".contains("\"exp_avg.bias\" has shape 5"), "\(error)")
        }
        // Missing tensor.
        state["exp_avg.bias"] = nil
        XCTAssertThrowsError(try adam.restoreState(stepCount: 1, tensors: state)) { error in
            XCTAssertTrue("\(error)".contains("missing tensor \"exp_avg.bias\""), "\(error)")
        }
        // Unexpected tensor.
        state["exp_avg.bias"] = Tensor(4)
        state["exp_avg.extra"] = Tensor(4)
        XCTAssertThrowsError(try adam.restoreState(stepCount: 1, tensors: state)) { error in
            XCTAssertTrue("\(error)".contains("unexpected tensor \"exp_avg.extra\""), "\(error)")
        }
        XCTAssertEqual(adam.stepCount, 0, "a failed restore changes nothing")
    }

    /// Prints the time per step on 1M parameters (no assertion on speed: a measurement to read).
    func testStepSpeed() throws {
        let parameter = Parameter(name: "weight", shape: Shape(1000, 1000))
        parameter.value.copy(from: GradientCheck.randomTensor(parameter.value.shape, seed: 1))
        parameter.gradient.copy(from: GradientCheck.randomTensor(parameter.value.shape, seed: 2))
        let parameters = [(name: "weight", parameter: parameter)]
        let optimizers: [Optimizer] = [
            try SGD(parameters: parameters, momentum: 0.9, nesterov: true, weightDecay: 5e-4),
            try AdamW(parameters: parameters)
        ]
        for optimizer in optimizers {
            optimizer.step(learningRate: 1e-3)
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<20 { optimizer.step(learningRate: 1e-3) }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / 20
            print("\(optimizer.kind) step on 1M parameters: \(String(format: "%.2f", seconds * 1e3)) ms")
            XCTAssertTrue(parameter.value.array.allSatisfy(\.isFinite))
        }
    }

    func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "cnntrain-optim-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }
}
