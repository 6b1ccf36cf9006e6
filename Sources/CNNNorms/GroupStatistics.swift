import CNNCore

/// Where γ and β live: one per channel (GroupNorm, InstanceNorm) or one per element of a sample
/// (LayerNorm over (C, H, W), as PyTorch's `nn.LayerNorm([C, H, W])`).
enum AffineLayout: Sendable {
    case perChannel
    case perElement
}

/// The one kernel behind GroupNorm (G groups), LayerNorm (G = 1) and InstanceNorm (G = C).
///
/// Legend: N = batch, C = channels, H·W = S spatial positions, G = groups, Cg = C/G channels per
/// group, M = Cg·S elements per statistic set. In NCHW a (sample, group) set is one contiguous
/// block of M floats: x[n, g·Cg ..< (g+1)·Cg, :, :].
///
/// Forward, per set (parallel over the N·G sets):
///   μ, σ² (biased) from `SetStatistics.of` (shifted sums, Float lanes flushed into Double),
///   rstd = 1/√(σ² + ε), then y = (x − K)·a + b with a = γ·rstd and b = β − (μ − K)·a folded per
///   channel (per element: x̂ = (x − K)·rstd − (μ − K)·rstd, y = x̂·γ + β).
/// Backward, per set: pass 1 sums Σ dy and Σ dy·(x − K) (per channel, giving dγ and dβ as well);
///   pass 2 writes dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·γ, which is the exact
///   gradient of the forward above (same ε, same biased variance).
/// dγ, dβ: each chunk of sets adds into its own partial sums; the partials are then added in chunk
///   order, so a fixed thread count gives bit-identical gradients.
final class GroupStatisticsEngine {
    let groupCount: Int
    let channelCount: Int
    let epsilon: Double
    let affine: AffineLayout
    /// γ: (C) per channel, or the per-element shape (C, H, W) / (C).
    let weight: Parameter
    /// β: same shape as γ.
    let bias: Parameter

    private let output = Tensor(shape: Shape(0))
    private let inputGradient = Tensor(shape: Shape(0))
    /// The last forward's input (kept by reference, as the Layer contract allows).
    private var input: Tensor?
    /// True when the last forward clamped its output (a fused ReLU).
    private var clampedOutput = false
    /// (N, G, 3): centre K, offset μ − K, rstd of each set of the last forward.
    private let statistics = Scratch<Double>()
    /// (N, C, 2): per-channel affine with a fused ReLU: the Float scale and shift of each
    /// (sample, channel)'s forward map, from which the backward recomputes the ReLU's mask
    /// (`NormKernels.ForwardMap`) instead of reading the clamped output.
    private let forwardMaps = Scratch<Float>()
    /// (threads, 2, C): per-chunk partial dγ, dβ for per-channel affine.
    private let channelPartials = Scratch<Double>()
    /// (threads, 2, C·S): per-chunk partial dγ, dβ for per-element affine.
    private let elementPartials = Scratch<Float>()

    init(groupCount: Int, channelCount: Int, epsilon: Float, affine: AffineLayout, affineShape: Shape) {
        precondition(channelCount >= 1, "a norm needs at least one channel")
        precondition(
            groupCount >= 1 && channelCount.isMultiple(of: groupCount),
            "\(groupCount) groups do not divide \(channelCount) channels")
        self.groupCount = groupCount
        self.channelCount = channelCount
        self.epsilon = Double(epsilon)
        self.affine = affine
        weight = Parameter(name: "weight", shape: affineShape)
        bias = Parameter(name: "bias", shape: affineShape)
        weight.value.fill(1)
    }

    /// Why `shape` cannot be normalized by this engine, or nil when it can.
    func problem(with shape: Shape) -> String? {
        guard shape.rank == 4 || shape.rank == 2 else {
            return "expects (N, C, H, W) or (N, C) input, got \(shape)"
        }
        guard shape.channels == channelCount else {
            return "expects \(channelCount) channels, got \(shape.channels) (input \(shape))"
        }
        // (Compared axis by axis: `sampleShape` would allocate on every forward.)
        let affineShape = weight.value.shape
        if affine == .perElement
            && (shape.sampleCount != weight.count
                || (shape.rank == 4 && affineShape.rank == 3
                    && (shape[2] != affineShape[1] || shape[3] != affineShape[2])))
        {
            return "normalizes samples of shape \(weight.value.shape), got \(shape.sampleShape)"
        }
        return nil
    }

    /// The forward pass; with `relu`, the output is clamped at 0 as it is written (a fused ReLU:
    /// backward needs only the input, so the clamped output costs it nothing).
    func forward(_ x: Tensor, relu: Bool = false) -> Tensor {
        if let message = problem(with: x.shape) { preconditionFailure(message) }
        let shape = x.shape
        let N = shape.batch, C = channelCount, S = shape.height * shape.width
        let G = groupCount, Cg = C / G, M = Cg * S
        input = x
        clampedOutput = relu
        output.resize(to: shape)
        let stats = statistics.reserve(N * G * 3)
        let xp = UnsafePointer(x.data), yp = output.data
        let gamma = UnsafePointer(weight.value.data), beta = UnsafePointer(bias.value.data)
        let epsilon = self.epsilon, affine = self.affine
        let maps = forwardMaps.reserve(relu && affine == .perChannel ? N * C * 2 : 1)

        Parallel.forEachChunk(N * G) { _, sets in
            for u in sets {
                let g = u % G
                let start = (u / G * C + g * Cg) * S
                let s = SetStatistics.of(xp + start, segmentCount: 1, segmentLength: M, segmentStride: 0)
                let rstd = 1 / (s.variance + epsilon).squareRoot()
                stats[3 * u] = Double(s.center)
                stats[3 * u + 1] = s.offset
                stats[3 * u + 2] = rstd
                switch affine {
                case .perChannel:
                    for j in 0..<Cg {
                        let c = g * Cg + j
                        let a = Double(gamma[c]) * rstd
                        let b = Double(beta[c]) - s.offset * a
                        if relu {
                            maps[2 * (u / G * C + c)] = Float(a)
                            maps[2 * (u / G * C + c) + 1] = Float(b)
                        }
                        NormKernels.scaleShift(
                            xp + start + j * S, yp + start + j * S, S,
                            center: s.center, scale: Float(a), shift: Float(b), relu: relu)
                    }
                case .perElement:
                    NormKernels.scaleShiftPerElement(
                        xp + start, yp + start, M, center: s.center,
                        scale: Float(rstd), shift: Float(-s.offset * rstd),
                        gamma: gamma + g * M, beta: beta + g * M, relu: relu)
                }
            }
        }
        return output
    }

    /// The backward pass; with `fusedReLU`, `dy` is the gradient of the fused ReLU's output and
    /// both passes apply the ReLU's backward as they load it.
    func backward(_ dy: Tensor, needsInputGradient: Bool, fusedReLU: Bool = false) -> Tensor? {
        guard let x = input else { preconditionFailure("norm backward called before a forward") }
        precondition(dy.shape == x.shape, "output gradient \(dy.shape) does not match the forward's \(x.shape)")
        precondition(!fusedReLU || clampedOutput, "norm: a fused ReLU backward after an unfused forward")
        let shape = x.shape
        let N = shape.batch, C = channelCount, S = shape.height * shape.width
        let G = groupCount, Cg = C / G, M = Cg * S
        let threads = Parallel.threadCount
        let affine = self.affine
        // The fused ReLU's mask: recomputed from x with the forward's maps for per-channel affine
        // (a stream fewer from memory in pass 1), read from the clamped output for per-element.
        let clamped: UnsafePointer<Float>? = fusedReLU && affine == .perElement ? UnsafePointer(output.data) : nil
        let maps: UnsafePointer<Float>? = fusedReLU && affine == .perChannel ? UnsafePointer(forwardMaps.pointer) : nil
        /// The forward map of sample n's channel c, when its ReLU mask is recomputed.
        func map(_ n: Int, _ c: Int) -> NormKernels.ForwardMap? {
            maps.map { NormKernels.ForwardMap(scale: $0[2 * (n * C + c)], shift: $0[2 * (n * C + c) + 1]) }
        }
        let stats = UnsafePointer(statistics.pointer)
        let xp = UnsafePointer(x.data), dyp = UnsafePointer(dy.data)
        let gamma = UnsafePointer(weight.value.data)
        if needsInputGradient { inputGradient.resize(to: shape) }
        let dxp = inputGradient.data
        // Per-chunk partial dγ, dβ, zeroed for every possible chunk.
        let partialCount = affine == .perChannel ? C : C * S
        let channelSums = channelPartials.reserve(affine == .perChannel ? threads * 2 * C : 1)
        let elementSums = elementPartials.reserve(affine == .perElement ? threads * 2 * C * S : 1)
        switch affine {
        case .perChannel: channelSums.update(repeating: 0, count: threads * 2 * partialCount)
        case .perElement: elementSums.update(repeating: 0, count: threads * 2 * partialCount)
        }

        Parallel.forEachChunk(N * G) { chunk, sets in
            /// Pass 2 for set `u`, from its Σ g and Σ g·x̂ (g = dy·γ):
            /// dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) = dy·γ·rstd + (x − K)·b + c.
            func writeInputGradient(_ u: Int, sumG: Double, sumGX: Double) {
                let g = u % G
                let start = (u / G * C + g * Cg) * S
                let K = Float(stats[3 * u]), d = stats[3 * u + 1], rstd = stats[3 * u + 2]
                let meanG = sumG / Double(M), meanGX = sumGX / Double(M)
                let b = -rstd * rstd * meanGX
                let c = -rstd * meanG - d * b
                switch affine {
                case .perChannel:
                    for j in 0..<Cg {
                        let a = rstd * Double(gamma[g * Cg + j])
                        NormKernels.inputGradient(
                            dyp + start + j * S, xp + start + j * S, dxp + start + j * S, S,
                            center: K, a: Float(a), b: Float(b), c: Float(c), map: map(u / G, g * Cg + j))
                    }
                case .perElement:
                    NormKernels.inputGradientPerElement(
                        dyp + start, xp + start, dxp + start, M, center: K,
                        a: Float(rstd), b: Float(b), c: Float(c), gamma: gamma + g * M,
                        clamped: clamped.map { $0 + start })
                }
            }

            var u = sets.lowerBound
            while u < sets.upperBound {
                let g = u % G
                let start = (u / G * C + g * Cg) * S
                let K = Float(stats[3 * u]), d = stats[3 * u + 1], rstd = stats[3 * u + 2]
                switch affine {
                case .perChannel:
                    // Pass 1 per channel: Σ dy and Σ dy·x̂ are dβ and dγ, and give Σ g, Σ g·x̂.
                    let gammaSums = channelSums + chunk * 2 * C, betaSums = gammaSums + C
                    var sumG = 0.0, sumGX = 0.0
                    for j in 0..<Cg {
                        let c = g * Cg + j
                        let m = NormKernels.gradientMoments(
                            dyp + start + j * S, xp + start + j * S, S, center: K, map: map(u / G, c))
                        let dyXhat = rstd * (m.product - d * m.sum)
                        gammaSums[c] += dyXhat
                        betaSums[c] += m.sum
                        sumG += Double(gamma[c]) * m.sum
                        sumGX += Double(gamma[c]) * dyXhat
                    }
                    if needsInputGradient { writeInputGradient(u, sumG: sumG, sumGX: sumGX) }
                    u += 1
                case .perElement:
                    let gammaSums = elementSums + chunk * 2 * C * S + g * M, betaSums = gammaSums + C * S
                    if G == 1 && u + 1 < sets.upperBound {
                        // Two samples per sweep halve the traffic on the partial dγ, dβ.
                        let v = u + 1, startV = v * C * S
                        let Kv = Float(stats[3 * v]), dv = stats[3 * v + 1], rstdV = stats[3 * v + 2]
                        let m = NormKernels.gradientMomentsPerElementPair(
                            dyp + start, xp + start, dyp + startV, xp + startV, M,
                            first: (K, Float(rstd), Float(-d * rstd)), second: (Kv, Float(rstdV), Float(-dv * rstdV)),
                            gamma: gamma, gammaGradient: gammaSums, betaGradient: betaSums,
                            clamped: clamped.map { ($0 + start, $0 + startV) })
                        if needsInputGradient {
                            writeInputGradient(u, sumG: m.sum0, sumGX: rstd * (m.product0 - d * m.sum0))
                            writeInputGradient(v, sumG: m.sum1, sumGX: rstdV * (m.product1 - dv * m.sum1))
                        }
                        u += 2
                    } else {
                        let m = NormKernels.gradientMomentsPerElement(
                            dyp + start, xp + start, M, center: K, scale: Float(rstd), shift: Float(-d * rstd),
                            gamma: gamma + g * M, gammaGradient: gammaSums, betaGradient: betaSums,
                            clamped: clamped.map { $0 + start })
                        if needsInputGradient {
                            writeInputGradient(u, sumG: m.sum, sumGX: rstd * (m.product - d * m.sum))
                        }
                        u += 1
                    }
                }
            }
        }

        // Reduce the partials in chunk order (deterministic for a fixed thread count).
        let gammaGradient = weight.gradient.data, betaGradient = bias.gradient.data
        switch affine {
        case .perChannel:
            for c in 0..<C {
                var sumGamma = 0.0, sumBeta = 0.0
                for k in 0..<threads {
                    sumGamma += channelSums[k * 2 * C + c]
                    sumBeta += channelSums[k * 2 * C + C + c]
                }
                gammaGradient[c] += Float(sumGamma)
                betaGradient[c] += Float(sumBeta)
            }
        case .perElement:
            let E = C * S
            for k in 0..<threads {
                let partial = elementSums + k * 2 * E
                for e in 0..<E {
                    gammaGradient[e] += partial[e]
                    betaGradient[e] += partial[E + e]
                }
            }
        }
        return needsInputGradient ? inputGradient : nil
    }
}
