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
public final class BatchNorm: BatchNormBase {
    /// - Parameters:
    ///   - channelCount: C, the number of channels (features for (N, C) input).
    ///   - epsilon: ε, added to the variance inside the square root.
    ///   - momentum: m in r ← (1 − m)·r + m·batch (PyTorch's convention, default 0.1).
    /// - Precondition: channelCount ≥ 1, 0 ≤ momentum ≤ 1.
    public init(channelCount: Int, epsilon: Float = 1e-5, momentum: Float = 0.1) {
        super.init(typeName: "BatchNorm", channelCount: channelCount, epsilon: epsilon, momentum: momentum)
    }
}
