import CNNCore

/// The body shared by `BatchNorm` and `SyncBatchNorm`: γ, β, the running statistics, the
/// statistics pass, the folded element passes and the backward (see `BatchNorm` for the
/// conventions and the kernel). The two differ only in where a training step's statistics come
/// from, which a subclass says through two hooks: `combine(_:count:)` for the forward's per-channel
/// statistics and `combineGradientSums(_:)` for the backward's Σ dy and Σ dy·(x − K). By default
/// both return this process's values unchanged, which is `BatchNorm`.
public class BatchNormBase: Layer, ReLUBackwardFusing {
    public let channelCount: Int
    public let epsilon: Float
    public let momentum: Float
    /// γ, shape (C).
    public let weight: Parameter
    /// β, shape (C).
    public let bias: Parameter
    public let runningMean: Buffer
    public let runningVariance: Buffer
    public let batchesTracked: Buffer
    /// "BatchNorm" or "SyncBatchNorm", for messages and the summary.
    let typeName: String

    private let output = Tensor(shape: Shape(0))
    private let inputGradient = Tensor(shape: Shape(0))
    private var input: Tensor?
    /// True when the last forward used the running statistics.
    private var frozen = false
    /// True when the last forward clamped its output (a fused ReLU).
    private var clampedOutput = false
    /// M of the last training forward: the values per channel the statistics were taken over.
    private var statisticsCount = 0
    /// (C, 3): centre K, offset μ − K, rstd per channel for the last forward.
    private let statistics = Scratch<Double>()
    /// (C, 3): the folded coefficients of the element pass (forward a, b; backward a, b, c).
    private let coefficients = Scratch<Double>()
    /// (C): the Float scale and shift of the last forward's element pass, from which a fused ReLU's
    /// backward recomputes its mask (`NormKernels.ForwardMap`).
    private var forwardMaps: [NormKernels.ForwardMap] = []
    /// (threads, C, 2): per-chunk partial sums of a statistics pass.
    private let partials = Scratch<Double>()

    /// - Parameters:
    ///   - channelCount: C, the number of channels (features for (N, C) input).
    ///   - epsilon: ε, added to the variance inside the square root.
    ///   - momentum: m in r ← (1 − m)·r + m·batch (PyTorch's convention, default 0.1).
    /// - Precondition: channelCount ≥ 1, 0 ≤ momentum ≤ 1.
    init(typeName: String, channelCount: Int, epsilon: Float, momentum: Float) {
        precondition(channelCount >= 1, "\(typeName) needs at least one channel")
        precondition((0...1).contains(momentum), "momentum \(momentum) is outside 0…1")
        self.typeName = typeName
        self.channelCount = channelCount
        self.epsilon = epsilon
        self.momentum = momentum
        weight = Parameter(name: "weight", shape: Shape(channelCount))
        bias = Parameter(name: "bias", shape: Shape(channelCount))
        weight.value.fill(1)
        let variance = Tensor(shape: Shape(channelCount))
        variance.fill(1)
        runningMean = Buffer(name: "running_mean", storage: .float(Tensor(shape: Shape(channelCount))))
        runningVariance = Buffer(name: "running_var", storage: .float(variance))
        batchesTracked = Buffer(name: "num_batches_tracked", storage: .counter(0))
    }

    public var workKind: WorkKind { .norm }
    public var summary: String { "\(typeName.lowercased()) \(channelCount)" }
    public func outputShape(for input: Shape) -> Shape { input }
    public var parameters: [Parameter] { [weight, bias] }
    public var buffers: [Buffer] { [runningMean, runningVariance, batchesTracked] }

    /// Statistics (3 FLOPs per element) and the folded affine map (2 FLOPs per element).
    public func forwardFLOPs(for input: Shape) -> Int { 5 * input.sampleCount }

    /// The fewest values per channel this process must hold in a training forward.
    var minimumTrainingValues: Int { 2 }

    public func validate(_ input: Shape, mode: Mode) throws {
        guard input.rank == 4 || input.rank == 2 else {
            throw LayerError("\(typeName) expects (N, C, H, W) or (N, C) input, got \(input)")
        }
        guard input.channels == channelCount else {
            throw LayerError("\(typeName) for \(channelCount) channels got \(input.channels) (input \(input))")
        }
        if mode == .training && input.batch * input.height * input.width < minimumTrainingValues {
            throw LayerError(
                "\(typeName) needs more than one value per channel in training (batch \(input.batch) at "
                    + "\(input.height)×\(input.width)); use a batch size ≥ 2 or another --norm")
        }
    }

    /// The running mean as a tensor (C).
    public var runningMeanTensor: Tensor { floatTensor(runningMean) }
    /// The running (unbiased) variance as a tensor (C).
    public var runningVarianceTensor: Tensor { floatTensor(runningVariance) }
    /// `num_batches_tracked`.
    public var batchesTrackedCount: Int64 {
        if case .counter(let count) = batchesTracked.storage { return count }
        preconditionFailure("num_batches_tracked is not a counter")
    }

    private func floatTensor(_ buffer: Buffer) -> Tensor {
        guard case .float(let tensor) = buffer.storage, tensor.count == channelCount else {
            preconditionFailure("\(typeName) buffer \(buffer.name) must be a float tensor of \(channelCount) values")
        }
        return tensor
    }

    /// Hook: the statistics a training forward normalizes with, from this process's statistics
    /// per channel over `count` values; returns them with the count they cover.
    func combine(_ local: [SetStatistics], count: Int) -> (statistics: [SetStatistics], count: Int) {
        (local, count)
    }

    /// Hook: the (Σ dy, Σ dy·(x − K)) pairs per channel (2·C values) that a training backward's dx
    /// uses, from this process's sums. dγ and dβ always take this process's own sums.
    func combineGradientSums(_ local: [Double]) -> [Double] { local }

    /// This process's mean and biased variance per channel: per chunk of images, Σ(x − x₀) and
    /// Σ(x − x₀)² per channel around the channel's first value x₀ = x[0, c, 0, 0], added in chunk
    /// order (deterministic for a fixed thread count).
    private func localStatistics(_ xp: UnsafePointer<Float>, N: Int, C: Int, S: Int) -> [SetStatistics] {
        let threads = Parallel.threadCount
        let sums = partials.reserve(threads * 2 * C)
        sums.update(repeating: 0, count: threads * 2 * C)
        Parallel.forEachChunk(N) { chunk, images in
            let partial = sums + chunk * 2 * C
            for n in images {
                for c in 0..<C {
                    let m = NormKernels.shiftedMoments(xp + (n * C + c) * S, S, center: xp[c * S])
                    partial[2 * c] += m.sum
                    partial[2 * c + 1] += m.squares
                }
            }
        }
        return (0..<C).map { c in
            var sum = 0.0, squares = 0.0
            for k in 0..<threads {  // chunk order: deterministic for a fixed thread count
                sum += sums[k * 2 * C + 2 * c]
                squares += sums[k * 2 * C + 2 * c + 1]
            }
            return SetStatistics.fromShiftedSums(center: xp[c * S], sum: sum, squares: squares, count: N * S)
                ?? SetStatistics.of(xp + c * S, segmentCount: N, segmentLength: S, segmentStride: C * S)
        }
    }

    public func forward(_ x: Tensor, mode: Mode) -> Tensor { forward(x, mode: mode, fusedReLU: false) }

    /// The forward pass; with `fusedReLU`, the output is clamped at 0 as it is written (a fused
    /// ReLU, `ReLUFusing`: backward needs only the input, so the clamped output costs it nothing).
    public func forward(_ x: Tensor, mode: Mode, fusedReLU: Bool) -> Tensor {
        let shape = x.shape
        precondition(
            (shape.rank == 4 || shape.rank == 2) && shape.channels == channelCount,
            "\(typeName) for \(channelCount) channels got input \(shape)")
        let N = shape.batch, C = channelCount, S = shape.height * shape.width
        let training = mode == .training
        input = x
        frozen = !training
        clampedOutput = fusedReLU
        output.resize(to: shape)
        let stats = statistics.reserve(C * 3)
        let folded = coefficients.reserve(C * 3)
        let xp = UnsafePointer(x.data), yp = output.data
        let gamma = UnsafePointer(weight.value.data), beta = UnsafePointer(bias.value.data)
        let meanRun = runningMeanTensor.data, varianceRun = runningVarianceTensor.data
        let epsilon = Double(self.epsilon), momentum = Double(self.momentum)

        var batch: [SetStatistics] = []
        if training {
            precondition(N * S >= 1, "\(typeName) needs at least one value per channel in training")
            let combined = combine(localStatistics(xp, N: N, C: C, S: S), count: N * S)
            batch = combined.statistics
            statisticsCount = combined.count
            precondition(statisticsCount > 1, "\(typeName) needs more than one value per channel in training")
        }
        let M = Double(statisticsCount)
        for c in 0..<C {
            let s: SetStatistics
            if training {
                s = batch[c]
                let unbiased = s.variance * M / (M - 1)
                meanRun[c] = Float((1 - momentum) * Double(meanRun[c]) + momentum * s.mean)
                varianceRun[c] = Float((1 - momentum) * Double(varianceRun[c]) + momentum * unbiased)
            } else {
                s = SetStatistics(center: meanRun[c], offset: 0, variance: Double(varianceRun[c]))
            }
            let rstd = 1 / (s.variance + epsilon).squareRoot()
            stats[3 * c] = Double(s.center)
            stats[3 * c + 1] = s.offset
            stats[3 * c + 2] = rstd
            let a = Double(gamma[c]) * rstd
            folded[3 * c] = a
            folded[3 * c + 1] = Double(beta[c]) - s.offset * a
        }
        if fusedReLU {
            if forwardMaps.count != C { forwardMaps = Array(repeating: .init(scale: 0, shift: 0), count: C) }
            for c in 0..<C { forwardMaps[c] = .init(scale: Float(folded[3 * c]), shift: Float(folded[3 * c + 1])) }
        }
        // Pass 2, parallel over images: y = (x − K)·a + b.
        Parallel.forEachChunk(N) { _, images in
            for n in images {
                for c in 0..<C {
                    let start = (n * C + c) * S
                    NormKernels.scaleShift(
                        xp + start, yp + start, S, center: Float(stats[3 * c]),
                        scale: Float(folded[3 * c]), shift: Float(folded[3 * c + 1]), relu: fusedReLU)
                }
            }
        }
        if training { batchesTracked.storage = .counter(batchesTrackedCount + 1) }
        return output
    }

    public func backward(_ dy: Tensor, needsInputGradient: Bool) -> Tensor? {
        backward(dy, needsInputGradient: needsInputGradient, fusedReLU: false)
    }

    /// The backward pass; with `fusedReLU`, `dy` is the gradient of the fused ReLU's output and
    /// both passes apply the ReLU's backward as they load it (`ReLUBackwardFusing`).
    public func backward(_ dy: Tensor, needsInputGradient: Bool, fusedReLU: Bool) -> Tensor? {
        guard let x = input else { preconditionFailure("\(typeName) backward called before a forward") }
        precondition(dy.shape == x.shape, "output gradient \(dy.shape) does not match the forward's \(x.shape)")
        precondition(!fusedReLU || clampedOutput, "\(typeName): a fused ReLU backward after an unfused forward")
        // The fused ReLU's mask is recomputed from x with the forward's map (one stream fewer).
        let maps: [NormKernels.ForwardMap]? = fusedReLU ? forwardMaps : nil
        let shape = x.shape
        let N = shape.batch, C = channelCount, S = shape.height * shape.width, M = Double(statisticsCount)
        let threads = Parallel.threadCount
        let stats = UnsafePointer(statistics.pointer)
        let folded = coefficients.reserve(C * 3)
        let sums = partials.reserve(threads * 2 * C)
        let xp = UnsafePointer(x.data), dyp = UnsafePointer(dy.data)
        let gamma = UnsafePointer(weight.value.data)
        let gammaGradient = weight.gradient.data, betaGradient = bias.gradient.data
        if needsInputGradient { inputGradient.resize(to: shape) }
        let dxp = inputGradient.data

        // Pass 1, parallel over images: per chunk, Σ dy and Σ dy·(x − K) per channel.
        sums.update(repeating: 0, count: threads * 2 * C)
        Parallel.forEachChunk(N) { chunk, images in
            let partial = sums + chunk * 2 * C
            for n in images {
                for c in 0..<C {
                    let start = (n * C + c) * S
                    let m = NormKernels.gradientMoments(
                        dyp + start, xp + start, S, center: Float(stats[3 * c]), map: maps?[c])
                    partial[2 * c] += m.sum
                    partial[2 * c + 1] += m.product
                }
            }
        }
        var local = [Double](repeating: 0, count: 2 * C)
        for c in 0..<C {
            for k in 0..<threads {  // chunk order: deterministic for a fixed thread count
                local[2 * c] += sums[k * 2 * C + 2 * c]
                local[2 * c + 1] += sums[k * 2 * C + 2 * c + 1]
            }
        }
        // With frozen (inference) statistics the mean terms vanish: no other sums are needed.
        let combined = frozen ? local : combineGradientSums(local)
        for c in 0..<C {
            let d = stats[3 * c + 1], rstd = stats[3 * c + 2]
            gammaGradient[c] += Float(rstd * (local[2 * c + 1] - d * local[2 * c]))  // Σ dy·x̂
            betaGradient[c] += Float(local[2 * c])
            // dx = γ·rstd·(dy − mean(dy) − x̂·mean(dy·x̂)) = dy·a + (x − K)·b + c; with frozen
            // (inference) statistics the mean terms vanish.
            let sum = combined[2 * c], dyXhat = rstd * (combined[2 * c + 1] - d * sum)
            let g = Double(gamma[c])
            let b = frozen ? 0 : -rstd * rstd * g * dyXhat / M
            folded[3 * c] = g * rstd
            folded[3 * c + 1] = b
            folded[3 * c + 2] = frozen ? 0 : -rstd * g * sum / M - d * b
        }
        guard needsInputGradient else { return nil }
        // Pass 2, parallel over images.
        Parallel.forEachChunk(N) { _, images in
            for n in images {
                for c in 0..<C {
                    let start = (n * C + c) * S
                    NormKernels.inputGradient(
                        dyp + start, xp + start, dxp + start, S, center: Float(stats[3 * c]),
                        a: Float(folded[3 * c]), b: Float(folded[3 * c + 1]), c: Float(folded[3 * c + 2]),
                        map: maps?[c])
                }
            }
        }
        return inputGradient
    }
}
