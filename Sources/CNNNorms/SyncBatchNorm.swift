import CNNCore

/// Batch normalization whose statistics are taken over the samples of every process of a
/// data-parallel job: PyTorch's `nn.SyncBatchNorm` (`--norm syncbatch`).
///
/// Ioffe & Szegedy, ICML 2015, with the batch spread over W ranks (Peng et al., "MegDet", CVPR 2018
/// for the synchronized form). Conventions are `BatchNorm`'s (PyTorch's), over the global batch of
/// M = Σ_r N_r·H·W values per channel:
///
/// - Training forward: μ and the **biased** variance σ² of the channel over all ranks' samples
///   normalize; the running update uses the **unbiased** global variance σ²·M/(M − 1), momentum m
///   the weight of the new value. Each rank sends its count, mean and biased variance per channel
///   (one `allGather` of 1 + 2·C doubles) and combines them in rank order (Chan et al.'s pairwise
///   update), so every rank holds the same statistics, bit for bit.
/// - Backward: Σ dy and Σ dy·(x − K) per channel are summed over ranks (one `allReduceSum` of 2·C
///   doubles) for dx = γ·rstd·(dy − Σdy/M − x̂·Σ(dy·x̂)/M); dγ and dβ get this rank's own sums, as in
///   PyTorch, because the trainer's gradient all-reduce sums them over ranks.
/// - Inference: running statistics, no communication: it is then `BatchNorm`.
///
/// In a one-process world it is `BatchNorm`, bit for bit. Its state_dict is BatchNorm's
/// (`weight`, `bias`, `running_mean`, `running_var`, `num_batches_tracked`), so a checkpoint loads
/// into `nn.BatchNorm2d` with strict=True.
///
/// Collectives: every training forward and backward is one collective that all ranks must reach
/// (the trainer guarantees it: every rank runs every step with at least one sample).
public final class SyncBatchNorm: Layer {
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
    /// The ranks whose samples share the statistics; the one-process world until the trainer sets
    /// its communicator.
    public var communicator: Communicator = SingleProcessCommunicator.shared

    private let output = Tensor(shape: Shape(0))
    private let inputGradient = Tensor(shape: Shape(0))
    private var input: Tensor?
    /// True when the last forward used the running statistics.
    private var frozen = false
    /// M of the last training forward: values per channel over all ranks.
    private var globalCount = 0
    /// (C, 3): centre K, offset μ − K, rstd per channel for the last forward.
    private let statistics = Scratch<Double>()
    /// (C, 3): the folded coefficients of the element pass (forward a, b; backward a, b, c).
    private let coefficients = Scratch<Double>()
    /// (threads, C, 2): per-chunk partial sums of a statistics pass.
    private let partials = Scratch<Double>()

    /// - Parameters:
    ///   - channelCount: C, the number of channels (features for (N, C) input).
    ///   - epsilon: ε, added to the variance inside the square root.
    ///   - momentum: m in r ← (1 − m)·r + m·batch (PyTorch's convention, default 0.1).
    /// - Precondition: channelCount ≥ 1, 0 ≤ momentum ≤ 1.
    public init(channelCount: Int, epsilon: Float = 1e-5, momentum: Float = 0.1) {
        precondition(channelCount >= 1, "SyncBatchNorm needs at least one channel")
        precondition((0...1).contains(momentum), "momentum \(momentum) is outside 0…1")
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
    public var summary: String { "syncbatchnorm \(channelCount)" }
    public func outputShape(for input: Shape) -> Shape { input }
    public var parameters: [Parameter] { [weight, bias] }
    public var buffers: [Buffer] { [runningMean, runningVariance, batchesTracked] }
    public func forwardFLOPs(for input: Shape) -> Int { 5 * input.sampleCount }

    public func validate(_ input: Shape, mode: Mode) throws {
        guard input.rank == 4 || input.rank == 2 else {
            throw LayerError("SyncBatchNorm expects (N, C, H, W) or (N, C) input, got \(input)")
        }
        guard input.channels == channelCount else {
            throw LayerError("SyncBatchNorm for \(channelCount) channels got \(input.channels) (input \(input))")
        }
        // With several ranks the global count decides, which one rank cannot see: only a rank
        // with no values at all is refused here (the trainer gives every rank ≥ 1 sample).
        let values = input.batch * input.height * input.width
        if mode == .training && (communicator.size == 1 ? values <= 1 : values < 1) {
            throw LayerError(
                "SyncBatchNorm needs more than one value per channel in training (batch \(input.batch) at "
                    + "\(input.height)×\(input.width)); use a batch size ≥ 2 or another --norm")
        }
    }

    public var runningMeanTensor: Tensor { floatTensor(runningMean) }
    public var runningVarianceTensor: Tensor { floatTensor(runningVariance) }
    public var batchesTrackedCount: Int64 {
        if case .counter(let count) = batchesTracked.storage { return count }
        preconditionFailure("num_batches_tracked is not a counter")
    }

    private func floatTensor(_ buffer: Buffer) -> Tensor {
        guard case .float(let tensor) = buffer.storage, tensor.count == channelCount else {
            preconditionFailure("SyncBatchNorm buffer \(buffer.name) must be a float tensor of \(channelCount) values")
        }
        return tensor
    }

    /// This rank's mean and biased variance per channel (BatchNorm's statistics pass).
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

    /// The global statistics from every rank's (count, mean, biased variance), combined in rank
    /// order: n = n_a + n_b, δ = μ_b − μ_a, μ = μ_a + δ·n_b/n, M2 = M2_a + M2_b + δ²·n_a·n_b/n.
    /// One rank's own statistics are returned unchanged (so one process is BatchNorm exactly).
    private func globalStatistics(_ local: [SetStatistics], count: Int, C: Int) -> (
        statistics: [SetStatistics], count: Int
    ) {
        guard communicator.size > 1 else { return (local, count) }
        var message = [Double(count)]
        message += local.map(\.mean)
        message += local.map(\.variance)
        let gathered = communicator.allGather(message)
        let stride = 1 + 2 * C
        var total = 0.0
        var mean = [Double](repeating: 0, count: C), squares = [Double](repeating: 0, count: C)
        for r in 0..<communicator.size {
            let base = r * stride
            let n = gathered[base]
            guard n > 0 else { continue }
            let merged = total + n
            for c in 0..<C {
                let rankMean = gathered[base + 1 + c], rankSquares = gathered[base + 1 + C + c] * n
                let delta = rankMean - mean[c]
                mean[c] += delta * n / merged
                squares[c] += rankSquares + delta * delta * total * n / merged
            }
            total = merged
        }
        let statistics = (0..<C).map { c -> SetStatistics in
            let rounded = Float(mean[c])
            return SetStatistics(
                center: rounded, offset: mean[c] - Double(rounded), variance: max(squares[c] / total, 0))
        }
        return (statistics, Int(total))
    }

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        let shape = x.shape
        precondition(
            (shape.rank == 4 || shape.rank == 2) && shape.channels == channelCount,
            "SyncBatchNorm for \(channelCount) channels got input \(shape)")
        let N = shape.batch, C = channelCount, S = shape.height * shape.width
        let training = mode == .training
        input = x
        frozen = !training
        output.resize(to: shape)
        let stats = statistics.reserve(C * 3)
        let folded = coefficients.reserve(C * 3)
        let xp = UnsafePointer(x.data), yp = output.data
        let gamma = UnsafePointer(weight.value.data), beta = UnsafePointer(bias.value.data)
        let meanRun = runningMeanTensor.data, varianceRun = runningVarianceTensor.data
        let epsilon = Double(self.epsilon), momentum = Double(self.momentum)

        var batch: [SetStatistics] = []
        if training {
            precondition(N >= 1, "SyncBatchNorm needs at least one sample on every rank in training")
            let global = globalStatistics(localStatistics(xp, N: N, C: C, S: S), count: N * S, C: C)
            batch = global.statistics
            globalCount = global.count
            precondition(globalCount > 1, "SyncBatchNorm needs more than one value per channel in training")
        }
        for c in 0..<C {
            let s: SetStatistics
            if training {
                s = batch[c]
                let unbiased = s.variance * Double(globalCount) / Double(globalCount - 1)
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
        // y = (x − K)·a + b, parallel over images.
        Parallel.forEachChunk(N) { _, images in
            for n in images {
                for c in 0..<C {
                    let start = (n * C + c) * S
                    NormKernels.scaleShift(
                        xp + start, yp + start, S, center: Float(stats[3 * c]),
                        scale: Float(folded[3 * c]), shift: Float(folded[3 * c + 1]))
                }
            }
        }
        if training { batchesTracked.storage = .counter(batchesTrackedCount + 1) }
        return output
    }

    public func backward(_ dy: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard let x = input else { preconditionFailure("SyncBatchNorm backward called before a forward") }
        precondition(dy.shape == x.shape, "output gradient \(dy.shape) does not match the forward's \(x.shape)")
        let shape = x.shape
        let N = shape.batch, C = channelCount, S = shape.height * shape.width, M = Double(globalCount)
        let threads = Parallel.threadCount
        let stats = UnsafePointer(statistics.pointer)
        let folded = coefficients.reserve(C * 3)
        let sums = partials.reserve(threads * 2 * C)
        let xp = UnsafePointer(x.data), dyp = UnsafePointer(dy.data)
        let gamma = UnsafePointer(weight.value.data)
        let gammaGradient = weight.gradient.data, betaGradient = bias.gradient.data
        if needsInputGradient { inputGradient.resize(to: shape) }
        let dxp = inputGradient.data

        // This rank's Σ dy and Σ dy·(x − K) per channel, K the global centre (the same on every rank).
        sums.update(repeating: 0, count: threads * 2 * C)
        Parallel.forEachChunk(N) { chunk, images in
            let partial = sums + chunk * 2 * C
            for n in images {
                for c in 0..<C {
                    let start = (n * C + c) * S
                    let m = NormKernels.gradientMoments(dyp + start, xp + start, S, center: Float(stats[3 * c]))
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
        // With frozen (inference) statistics the mean terms vanish: no rank needs another's sums.
        let global = frozen ? local : communicator.allReduceSum(local)
        for c in 0..<C {
            let d = stats[3 * c + 1], rstd = stats[3 * c + 2]
            gammaGradient[c] += Float(rstd * (local[2 * c + 1] - d * local[2 * c]))  // this rank's Σ dy·x̂
            betaGradient[c] += Float(local[2 * c])
            let sum = global[2 * c], dyXhat = rstd * (global[2 * c + 1] - d * sum)
            let g = Double(gamma[c])
            let b = frozen ? 0 : -rstd * rstd * g * dyXhat / M
            folded[3 * c] = g * rstd
            folded[3 * c + 1] = b
            folded[3 * c + 2] = frozen ? 0 : -rstd * g * sum / M - d * b
        }
        guard needsInputGradient else { return nil }
        Parallel.forEachChunk(N) { _, images in
            for n in images {
                for c in 0..<C {
                    let start = (n * C + c) * S
                    NormKernels.inputGradient(
                        dyp + start, xp + start, dxp + start, S, center: Float(stats[3 * c]),
                        a: Float(folded[3 * c]), b: Float(folded[3 * c + 1]), c: Float(folded[3 * c + 2]))
                }
            }
        }
        return inputGradient
    }
}
