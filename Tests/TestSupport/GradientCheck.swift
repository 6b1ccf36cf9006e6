import CNNCore
import XCTest

/// Finite-difference gradient checks for any `Layer`.
///
/// The scalar checked is L = Σ output ⊙ R for a fixed random R, so ∂L/∂output = R. The analytic
/// gradients from `backward(R)` are compared with central differences (L(x+h) − L(x−h)) / 2h,
/// summed in Double, on a sample of coordinates of the input and of every parameter.
public enum GradientCheck {
    public struct Result {
        public var worstRelativeError: Double = 0
        public var worstName = ""
        public var checked = 0
    }

    /// Checks ∂L/∂input and ∂L/∂parameter for every parameter of `layer` (and its children).
    /// - Parameters:
    ///   - step: h, in input units. Float32 forward passes make 1e-2 a good compromise.
    ///   - tolerance: allowed |analytic − numeric| / max(|analytic|, |numeric|, floor).
    ///   - samplesPerTensor: coordinates checked per tensor (all when the tensor is smaller).
    @discardableResult
    public static func check(
        _ layer: Layer, input: Tensor, mode: Mode = .training, step: Float = 1e-2,
        tolerance: Double = 2e-2, absoluteFloor: Double = 1e-3,
        samplesPerTensor: Int = 24, seed: UInt64 = 7,
        file: StaticString = #filePath, line: UInt = #line
    ) -> Result {
        var generator = SeededGenerator(seed: seed)
        let outputShape = layer.outputShape(for: input.shape)
        let weights = Tensor(shape: outputShape)
        for i in 0..<weights.count { weights[i] = generator.uniform(-1, 1) }

        func loss() -> Double {
            let output = layer.forward(input, mode: mode)
            XCTAssertEqual(output.shape, outputShape, "forward shape", file: file, line: line)
            var sum = 0.0
            for i in 0..<output.count { sum += Double(output[i]) * Double(weights[i]) }
            return sum
        }

        // Analytic gradients.
        layer.zeroGradients()
        _ = loss()
        let inputGradient = layer.backward(weights, needsInputGradient: true).map {
            Tensor(shape: $0.shape, values: $0.array)
        }
        let parameterGradients = layer.namedParameters().map { ($0.name, $0.parameter, $0.parameter.gradient.array) }

        var result = Result()
        func compare(_ name: String, _ tensor: Tensor, _ analytic: [Float]) {
            var indices = Array(0..<tensor.count)
            if indices.count > samplesPerTensor {
                indices.shuffle(using: &generator)
                indices = Array(indices.prefix(samplesPerTensor))
            }
            for index in indices {
                let saved = tensor[index]
                tensor[index] = saved + step
                let plus = loss()
                tensor[index] = saved - step
                let minus = loss()
                tensor[index] = saved
                let numeric = (plus - minus) / (2 * Double(step))
                let exact = Double(analytic[index])
                let error = abs(exact - numeric) / max(abs(exact), abs(numeric), absoluteFloor)
                result.checked += 1
                if error > result.worstRelativeError {
                    result.worstRelativeError = error
                    result.worstName = "\(name)[\(index)] analytic \(exact) numeric \(numeric)"
                }
            }
        }

        if let inputGradient { compare("input", input, inputGradient.array) }
        for (name, parameter, analytic) in parameterGradients { compare(name, parameter.value, analytic) }
        XCTAssertLessThanOrEqual(
            result.worstRelativeError, tolerance,
            "\(layer.summary): worst gradient error at \(result.worstName)", file: file, line: line)
        return result
    }

    /// A tensor of the given shape filled with U(low, high).
    public static func randomTensor(_ shape: Shape, seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        let tensor = Tensor(shape: shape)
        for i in 0..<tensor.count { tensor[i] = generator.uniform(low, high) }
        return tensor
    }
}
