import CNNCore

/// Stochastic gradient descent with momentum, exactly as `torch.optim.SGD` (PyTorch 1.13).
///
/// Per parameter p with gradient g, momentum μ, dampening τ, weight decay λ, learning rate η:
///
///     g ← g + λ·p                                   (L2 weight decay, added to the gradient)
///     b ← g                   on the first step     (momentum buffer, only when μ ≠ 0)
///     b ← μ·b + (1 − τ)·g     afterwards
///     g ← g + μ·b   (Nesterov)   or   g ← b
///     p ← p − η·g
///
/// Momentum here is PyTorch's (the buffer accumulates gradients, η multiplies at the end), not the
/// Sutskever form v ← μ·v − η·g; the two differ when η changes during training.
/// Nesterov: Sutskever et al., "On the importance of initialization and momentum in deep learning", 2013.
public final class SGD: Optimizer {
    public let kind = "sgd"
    public let parameters: [(name: String, parameter: Parameter)]
    public let momentum: Float
    public let dampening: Float
    public let nesterov: Bool
    public let weightDecay: Float
    public private(set) var stepCount = 0
    /// One buffer per parameter, same shape; empty when momentum is 0.
    private let momentumBuffers: [Tensor]

    /// - Parameters:
    ///   - parameters: usually `model.namedParameters()`.
    ///   - momentum: μ ≥ 0; 0 is plain SGD (no state).
    ///   - dampening: τ, scales the new gradient in the buffer update by 1 − τ (not on the first step).
    ///   - nesterov: requires μ > 0 and τ = 0, as in PyTorch.
    ///   - weightDecay: λ ≥ 0, L2 penalty added to the gradient.
    /// - Throws: `OptimizerError` for a negative momentum or weight decay, or Nesterov without
    ///   momentum or with dampening.
    public init(
        parameters: [(name: String, parameter: Parameter)], momentum: Float = 0, dampening: Float = 0,
        nesterov: Bool = false, weightDecay: Float = 0
    ) throws {
        guard momentum >= 0, momentum.isFinite else {
            throw OptimizerError("SGD momentum must be ≥ 0, got \(momentum)")
        }
        guard weightDecay >= 0, weightDecay.isFinite else {
            throw OptimizerError("SGD weight decay must be ≥ 0, got \(weightDecay)")
        }
        guard dampening.isFinite else { throw OptimizerError("SGD dampening must be finite, got \(dampening)") }
        if nesterov && (momentum <= 0 || dampening != 0) {
            throw OptimizerError(
                "Nesterov momentum requires momentum > 0 and dampening 0 (got momentum \(momentum), dampening \(dampening))"
            )
        }
        self.parameters = parameters
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        self.momentumBuffers = momentum != 0 ? OptimizerState.zeros(like: parameters) : []
    }

    /// Parameters smaller than two of these are updated on one thread (a thread hand-off costs more).
    /// 32,768 until session 6, when LayerNorm's per-element γ and β (12,544–25,088 each) ran on one
    /// thread: `bench train --norm layer --profile`, 2 threads, alternating, optimizer 0.57–0.59 →
    /// 0.42–0.45 ms per step (none unchanged, 0.30–0.34 → 0.29–0.31).
    static let elementsPerChunk = 8_192

    public func step(learningRate: Float) {
        let firstStep = stepCount == 0
        for index in parameters.indices {
            let parameter = parameters[index].parameter
            let count = parameter.value.count
            let p = parameter.value.data, g = parameter.gradient.data
            precondition(parameter.gradient.count == count, "gradient of \(parameters[index].name) has the wrong size")
            let (weightDecay, momentum, dampening, nesterov) = (weightDecay, momentum, dampening, nesterov)
            if momentum == 0 {
                Parallel.forEachChunk(count, minimumPerChunk: Self.elementsPerChunk) { _, range in
                    Self.plainUpdate(p, g, range, learningRate: learningRate, weightDecay: weightDecay)
                }
                continue
            }
            let buffer = momentumBuffers[index]
            precondition(
                buffer.count == count,
                "parameter \(parameters[index].name) changed size after the optimizer was created")
            let b = buffer.data
            // Element-wise, so splitting over threads changes no result.
            Parallel.forEachChunk(count, minimumPerChunk: Self.elementsPerChunk) { _, range in
                Self.momentumUpdate(
                    p, g, b, range, learningRate: learningRate, weightDecay: weightDecay, momentum: momentum,
                    dampening: dampening, nesterov: nesterov, firstStep: firstStep)
            }
        }
        stepCount += 1
    }

    // The updates, 16 elements at a time. Each lane does the scalar loop's operations in its order
    // (no fused multiply-add: Swift does not contract), so the bits are the scalar loop's. Version 1
    // was that scalar loop, which the compiler left unvectorized (its branches on the first step and
    // Nesterov stayed inside): see the README's speed section for the measured figures.

    @inline(__always)
    private static func load(_ p: UnsafeMutablePointer<Float>, _ i: Int) -> SIMD16<Float> {
        UnsafeRawPointer(p + i).loadUnaligned(as: SIMD16<Float>.self)
    }

    @inline(__always)
    private static func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: SIMD16<Float>.self)
    }

    /// p ← p − η·(g + λ·p) over `range`.
    static func plainUpdate(
        _ p: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>, _ range: Range<Int>,
        learningRate: Float, weightDecay: Float
    ) {
        let lr = SIMD16<Float>(repeating: learningRate), wd = SIMD16<Float>(repeating: weightDecay)
        var i = range.lowerBound
        while i + 16 <= range.upperBound {
            let pv = load(p, i)
            store(pv - lr * (load(g, i) + wd * pv), p, i)
            i += 16
        }
        while i < range.upperBound {
            p[i] -= learningRate * (g[i] + weightDecay * p[i])
            i += 1
        }
    }

    /// d = g + λ·p; b ← d (first step) or μ·b + (1 − τ)·d; p ← p − η·(Nesterov ? d + μ·b : b).
    static func momentumUpdate(
        _ p: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>,
        _ range: Range<Int>, learningRate: Float, weightDecay: Float, momentum: Float, dampening: Float,
        nesterov: Bool, firstStep: Bool
    ) {
        let lr = SIMD16<Float>(repeating: learningRate), wd = SIMD16<Float>(repeating: weightDecay)
        let mu = SIMD16<Float>(repeating: momentum), keep = SIMD16<Float>(repeating: 1 - dampening)
        var i = range.lowerBound
        while i + 16 <= range.upperBound {
            let pv = load(p, i)
            let d = load(g, i) + wd * pv
            let bv = firstStep ? d : mu * load(b, i) + keep * d
            store(bv, b, i)
            store(pv - lr * (nesterov ? d + mu * bv : bv), p, i)
            i += 16
        }
        while i < range.upperBound {
            let d = g[i] + weightDecay * p[i]
            b[i] = firstStep ? d : momentum * b[i] + (1 - dampening) * d
            let update = nesterov ? d + momentum * b[i] : b[i]
            p[i] -= learningRate * update
            i += 1
        }
    }

    public func stateTensors() -> [(name: String, tensor: Tensor)] {
        zip(parameters, momentumBuffers).map { ("momentum_buffer." + $0.0.name, $0.1) }
    }

    public func restoreState(stepCount: Int, tensors: [String: Tensor]) throws {
        guard stepCount >= 0 else { throw OptimizerError("SGD step count must be ≥ 0, got \(stepCount)") }
        try OptimizerState.restore(tensors, into: stateTensors(), kind: kind)
        self.stepCount = stepCount
    }
}
