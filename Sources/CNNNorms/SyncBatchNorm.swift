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
public final class SyncBatchNorm: BatchNormBase {
    /// The ranks whose samples share the statistics; the one-process world until the trainer sets
    /// its communicator.
    public var communicator: Communicator = SingleProcessCommunicator.shared

    /// - Parameters:
    ///   - channelCount: C, the number of channels (features for (N, C) input).
    ///   - epsilon: ε, added to the variance inside the square root.
    ///   - momentum: m in r ← (1 − m)·r + m·batch (PyTorch's convention, default 0.1).
    /// - Precondition: channelCount ≥ 1, 0 ≤ momentum ≤ 1.
    public init(channelCount: Int, epsilon: Float = 1e-5, momentum: Float = 0.1) {
        super.init(typeName: "SyncBatchNorm", channelCount: channelCount, epsilon: epsilon, momentum: momentum)
    }

    /// With several ranks the global count decides, which one rank cannot see: only a rank with
    /// no values at all is refused by `validate` (the trainer gives every rank ≥ 1 sample).
    override var minimumTrainingValues: Int { communicator.size == 1 ? 2 : 1 }

    /// The global statistics from every rank's (count, mean, biased variance), combined in rank
    /// order: n = n_a + n_b, δ = μ_b − μ_a, μ = μ_a + δ·n_b/n, M2 = M2_a + M2_b + δ²·n_a·n_b/n.
    /// One rank's own statistics are returned unchanged (so one process is BatchNorm exactly).
    override func combine(_ local: [SetStatistics], count: Int) -> (statistics: [SetStatistics], count: Int) {
        guard communicator.size > 1 else { return (local, count) }
        let C = channelCount
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

    /// This rank's Σ dy and Σ dy·(x − K) summed over ranks (K, the global centre, is the same on
    /// every rank): one `allReduceSum` of 2·C doubles.
    override func combineGradientSums(_ local: [Double]) -> [Double] { communicator.allReduceSum(local) }
}
