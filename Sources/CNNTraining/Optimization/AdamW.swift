import CNNCore
import Foundation

/// Adam with decoupled weight decay, exactly as `torch.optim.AdamW` (PyTorch 1.13,
/// `_single_tensor_adamw`, amsgrad off). Loshchilov & Hutter, "Decoupled Weight Decay
/// Regularization", ICLR 2019; Kingma & Ba, "Adam", ICLR 2015.
///
/// Per parameter p with gradient g at step t = 1, 2, …, learning rate η:
///
///     p ← p·(1 − η·λ)                     (decoupled weight decay, before the moment update)
///     m ← β₁·m + (1 − β₁)·g
///     v ← β₂·v + (1 − β₂)·g²
///     denominator = √v / √(1 − β₂ᵗ) + ε    (ε added after the bias correction, as torch does)
///     p ← p − (η / (1 − β₁ᵗ))·m / denominator
///
/// The bias corrections are computed in Double (as torch does in Python) and rounded to Float.
public final class AdamW: Optimizer {
    public let kind = "adamw"
    public let parameters: [(name: String, parameter: Parameter)]
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    public let weightDecay: Float
    public private(set) var stepCount = 0
    /// First moments m ("exp_avg") and second moments v ("exp_avg_sq"), one per parameter.
    private let firstMoments: [Tensor]
    private let secondMoments: [Tensor]

    /// - Parameters:
    ///   - beta1, beta2: moment decay rates in [0, 1).
    ///   - epsilon: ε ≥ 0, added to the bias-corrected √v.
    ///   - weightDecay: λ ≥ 0, decoupled: p shrinks by η·λ per step regardless of the gradient.
    /// - Throws: `OptimizerError` for values outside those ranges.
    public init(
        parameters: [(name: String, parameter: Parameter)], beta1: Float = 0.9, beta2: Float = 0.999,
        epsilon: Float = 1e-8, weightDecay: Float = 0.01
    ) throws {
        guard (0..<1).contains(beta1) else { throw OptimizerError("AdamW beta1 must be in [0, 1), got \(beta1)") }
        guard (0..<1).contains(beta2) else { throw OptimizerError("AdamW beta2 must be in [0, 1), got \(beta2)") }
        guard epsilon >= 0, epsilon.isFinite else { throw OptimizerError("AdamW epsilon must be ≥ 0, got \(epsilon)") }
        guard weightDecay >= 0, weightDecay.isFinite else {
            throw OptimizerError("AdamW weight decay must be ≥ 0, got \(weightDecay)")
        }
        self.parameters = parameters
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.firstMoments = OptimizerState.zeros(like: parameters)
        self.secondMoments = OptimizerState.zeros(like: parameters)
    }

    public func step(learningRate: Float) {
        stepCount += 1
        let t = Double(stepCount)
        // torch: beta ** step with Python floats (the Float betas widened to Double, as torch's own
        // float hyper-parameters are Python doubles: 0.9 here is Float(0.9) widened, within 1e-8).
        let biasCorrection1 = 1 - pow(Double(beta1), t)
        let biasCorrection2Root = Float((1 - pow(Double(beta2), t)).squareRoot())
        let stepSize = Float(Double(learningRate) / biasCorrection1)
        let decay = 1 - learningRate * weightDecay
        let oneMinusBeta1 = 1 - beta1, oneMinusBeta2 = 1 - beta2
        for index in parameters.indices {
            let parameter = parameters[index].parameter
            let count = parameter.value.count
            precondition(
                parameter.gradient.count == count && firstMoments[index].count == count,
                "parameter \(parameters[index].name) changed size after the optimizer was created")
            let p = parameter.value.data, g = parameter.gradient.data
            let m = firstMoments[index].data, v = secondMoments[index].data
            for i in 0..<count {
                p[i] *= decay
                m[i] = beta1 * m[i] + oneMinusBeta1 * g[i]
                v[i] = beta2 * v[i] + oneMinusBeta2 * g[i] * g[i]
                let denominator = v[i].squareRoot() / biasCorrection2Root + epsilon
                p[i] -= stepSize * (m[i] / denominator)
            }
        }
    }

    public func stateTensors() -> [(name: String, tensor: Tensor)] {
        zip(parameters, firstMoments).map { ("exp_avg." + $0.0.name, $0.1) }
            + zip(parameters, secondMoments).map { ("exp_avg_sq." + $0.0.name, $0.1) }
    }

    public func restoreState(stepCount: Int, tensors: [String: Tensor]) throws {
        guard stepCount >= 0 else { throw OptimizerError("AdamW step count must be ≥ 0, got \(stepCount)") }
        try OptimizerState.restore(tensors, into: stateTensors(), kind: kind)
        self.stepCount = stepCount
    }
}
