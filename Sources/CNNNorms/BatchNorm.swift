import CNNCore

/// Batch normalization over (N, H, W) per channel, with running statistics for inference.
///
/// Ioffe & Szegedy, "Batch Normalization: Accelerating Deep Network Training by Reducing Internal
/// Covariate Shift", ICML 2015. Same conventions as PyTorch's `nn.BatchNorm2d` (and `BatchNorm1d`
/// for (N, C) input), so that golden values compare directly and checkpoints load there:
///
/// - Training: y = γ·(x − μ)/√(σ² + ε) + β with μ, σ² the mean and **biased** variance (divide by
///   M = N·H·W) of the channel over the batch. ε sits inside the square root, in the forward and in
///   the backward alike (the backward is the exact gradient of this forward).
/// - Running update after each training forward, with momentum m (PyTorch's meaning, the weight of
///   the new value): r ← (1 − m)·r + m·batch, using the **unbiased** batch variance σ²·M/(M − 1)
///   for `running_var`; `num_batches_tracked` counts the training forwards.
/// - Inference: y = γ·(x − running_mean)/√(running_var + ε) + β.
///
/// State, in PyTorch's state_dict order: parameters `weight` (γ, init 1), `bias` (β, init 0);
/// buffers `running_mean` (init 0), `running_var` (init 1), `num_batches_tracked` (int64, init 0).
///
/// Kernel: parallel over images, like the convolution before it, so each thread reads the images it
/// wrote (version 2; version 1 was parallel over channels and ran 2–3× slower right after a conv
/// because every thread read half its data from the other core's cache). Forward: one statistics
/// pass (per-chunk, per-channel shifted sums, see `SetStatistics`, added in chunk order so a fixed
/// thread count gives identical results), then y = (x − K)·a + b with γ, β, μ, rstd folded into a
/// and b. Backward: Σ dy and Σ dy·x̂ per channel (which are also dβ and dγ), then dx in a second
/// pass. A backward after an inference forward is the gradient of the inference map (frozen
/// statistics).
public final class BatchNorm: Layer {
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

    private let output = Tensor(shape: Shape(0))
    private let inputGradient = Tensor(shape: Shape(0))
    private var input: Tensor?
    /// True when the last forward used the running statistics.
    private var frozen = false
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
        precondition(channelCount >= 1, "BatchNorm needs at least one channel")
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
    public var summary: String { "batchnorm \(channelCount)" }
    public func outputShape(for input: Shape) -> Shape { input }
    public var parameters: [Parameter] { [weight, bias] }
    public var buffers: [Buffer] { [runningMean, runningVariance, batchesTracked] }

    /// Statistics (3 FLOPs per element) and the folded affine map (2 FLOPs per element).
    public func forwardFLOPs(for input: Shape) -> Int { 5 * input.sampleCount }

    public func validate(_ input: Shape, mode: Mode) throws {
        guard input.rank == 4 || input.rank == 2 else {
            throw LayerError("BatchNorm expects (N, C, H, W) or (N, C) input, got \(input)")
        }
        guard input.channels == channelCount else {
            throw LayerError("BatchNorm for \(channelCount) channels got \(input.channels) (input \(input))")
        }
        if mode == .training && input.batch * input.height * input.width <= 1 {
            throw LayerError(
                "BatchNorm needs more than one value per channel in training (batch \(input.batch) at "
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
            preconditionFailure("BatchNorm buffer \(buffer.name) must be a float tensor of \(channelCount) values")
        }
        return tensor
    }

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        let shape = x.shape
        precondition(
            (shape.rank == 4 || shape.rank == 2) && shape.channels == channelCount,
            "BatchNorm for \(channelCount) channels got input \(shape)")
        let N = shape.batch, C = channelCount, S = shape.height * shape.width, M = N * S
        let training = mode == .training
        precondition(!training || M > 1, "BatchNorm needs more than one value per channel in training")
        input = x
        frozen = !training
        output.resize(to: shape)
        let threads = Parallel.threadCount
        let stats = statistics.reserve(C * 3)
        let folded = coefficients.reserve(C * 3)
        let sums = partials.reserve(threads * 2 * C)
        let xp = UnsafePointer(x.data), yp = output.data
        let gamma = UnsafePointer(weight.value.data), beta = UnsafePointer(bias.value.data)
        let meanRun = runningMeanTensor.data, varianceRun = runningVarianceTensor.data
        let epsilon = Double(self.epsilon), momentum = Double(self.momentum)

        if training {
            // Pass 1, parallel over images: per chunk, Σ(x − x₀) and Σ(x − x₀)² per channel around
            // the channel's first value x₀ = x[0, c, 0, 0].
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
        }
        for c in 0..<C {
            let s: SetStatistics
            if training {
                var sum = 0.0, squares = 0.0
                for k in 0..<threads {  // chunk order: deterministic for a fixed thread count
                    sum += sums[k * 2 * C + 2 * c]
                    squares += sums[k * 2 * C + 2 * c + 1]
                }
                s =
                    SetStatistics.fromShiftedSums(center: xp[c * S], sum: sum, squares: squares, count: M)
                    ?? SetStatistics.of(xp + c * S, segmentCount: N, segmentLength: S, segmentStride: C * S)
                let unbiased = s.variance * Double(M) / Double(M - 1)
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
        // Pass 2, parallel over images: y = (x − K)·a + b.
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
        guard let x = input else { preconditionFailure("BatchNorm backward called before a forward") }
        precondition(dy.shape == x.shape, "output gradient \(dy.shape) does not match the forward's \(x.shape)")
        let shape = x.shape
        let N = shape.batch, C = channelCount, S = shape.height * shape.width, M = Double(N * S)
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
                    let m = NormKernels.gradientMoments(dyp + start, xp + start, S, center: Float(stats[3 * c]))
                    partial[2 * c] += m.sum
                    partial[2 * c + 1] += m.product
                }
            }
        }
        for c in 0..<C {
            var sum = 0.0, product = 0.0
            for k in 0..<threads {  // chunk order: deterministic for a fixed thread count
                sum += sums[k * 2 * C + 2 * c]
                product += sums[k * 2 * C + 2 * c + 1]
            }
            let d = stats[3 * c + 1], rstd = stats[3 * c + 2]
            let dyXhat = rstd * (product - d * sum)  // Σ dy·x̂
            gammaGradient[c] += Float(dyXhat)
            betaGradient[c] += Float(sum)
            // dx = γ·rstd·(dy − mean(dy) − x̂·mean(dy·x̂)) = dy·a + (x − K)·b + c; with frozen
            // (inference) statistics the mean terms vanish.
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
                        a: Float(folded[3 * c]), b: Float(folded[3 * c + 1]), c: Float(folded[3 * c + 2]))
                }
            }
        }
        return inputGradient
    }
}
