import Foundation

/// Fusion of a layer with the ones that follow it, done by `Sequential`:
/// - in training and inference, a conv or a norm followed by ReLU writes max(y, 0) as its output
///   and the ReLU layer's forward pass is skipped (`ReLUFusing`); the ReLU's backward still runs,
///   on that output (neither convs nor norms need their own output for backward);
/// - in inference only, conv → [BatchNorm with running statistics] → [ReLU] runs as one
///   convolution whose weights carry the norm's scale and whose store adds the folded shift and
///   clamps at 0 (`ChannelAffineInInference`, `ConvEpilogue`), so the output is written once
///   instead of three times.
///
/// - in backward, the ReLU's own pass is skipped too where a neighbour can apply it while it
///   writes its gradient anyway: a max pool after the ReLU (`PrecedingReLUFusing`: the ReLU's
///   output at each window's maximum is the pool's own output), a conv after it (as it stores ∂x,
///   gated by its input, the ReLU's output) unless the layer before the ReLU is a norm, which
///   recomputes the mask for free, or else the conv or norm before it (`ReLUBackwardFusing`: its
///   fused output is the ReLU's output). The bits are those of the separate passes.
///
/// `CNNTRAIN_FUSION=off` in the environment turns all of them off, for A/B runs.
public enum Fusion {
    public static let isEnabled: Bool = ProcessInfo.processInfo.environment["CNNTRAIN_FUSION"] != "off"
}

/// A layer that, in inference, maps each channel affinely: y[n, c, …] = x[n, c, …]·scale[c] + shift[c]
/// (BatchNorm with its running statistics), so that a convolution in front of it can absorb it.
public protocol ChannelAffineInInference: Layer {
    /// The per-channel scale and shift this layer applies in inference to an input of `channels`
    /// channels, or nil when it is not such a map for that input.
    func inferenceScaleShift(channels: Int) -> (scale: [Float], shift: [Float])?
}

/// What a fused convolution applies to each output channel as it stores it:
/// y = max(conv·scale[f] + shift[f], 0) (ReLU optional), with the conv's own bias folded in.
public struct ConvEpilogue {
    public var scale: [Float]?
    public var shift: [Float]?
    public var relu: Bool

    public init(scale: [Float]? = nil, shift: [Float]? = nil, relu: Bool = false) {
        self.scale = scale
        self.shift = shift
        self.relu = relu
    }
}

/// A layer that can clamp its output at 0 as it writes it, so that a ReLU after it needs no
/// forward pass of its own. Its backward must not read its own output.
public protocol ReLUFusing: Layer {
    /// `forward`, with y = max(y, 0) written as the output when `fusedReLU` (NaN kept).
    func forward(_ input: Tensor, mode: Mode, fusedReLU: Bool) -> Tensor
}

/// A `ReLUFusing` layer whose backward can also run the backward of the ReLU fused after it: given
/// the gradient of the ReLU's output, it uses dy where its own (clamped) output is > 0, else 0 —
/// exactly the ReLU's backward — without writing that masked gradient to memory first.
public protocol ReLUBackwardFusing: ReLUFusing {
    /// `backward`, with `outputGradient` the gradient of the fused ReLU's output when `fusedReLU`.
    func backward(_ outputGradient: Tensor, needsInputGradient: Bool, fusedReLU: Bool) -> Tensor?

    /// True when applying the ReLU's backward costs this layer a pass over the gradient of its own
    /// (a conv); false when it comes free as the layer loads its gradient (a norm recomputes the
    /// mask from its input, which it reads anyway).
    var masksInAPassOfItsOwn: Bool { get }
}

extension ReLUBackwardFusing {
    public var masksInAPassOfItsOwn: Bool { false }
}

/// A layer whose input is a ReLU's output and whose input gradient can be the ReLU's input
/// gradient directly: it applies the ReLU's backward as it writes its own.
public protocol PrecedingReLUFusing: Layer {
    /// The gradient with respect to the input of the ReLU in front of this layer (whose output
    /// was this layer's input in the last forward).
    func backwardThroughPrecedingReLU(_ outputGradient: Tensor) -> Tensor

    /// True when this layer must read its input for the ReLU's mask (a conv: one stream more as it
    /// stores ∂x), false when the mask comes free (a max pool: its own output at each window's
    /// maximum). `Sequential` then prefers a layer before the ReLU that applies it for free.
    var readsItsInputForTheReLU: Bool { get }
}

extension PrecedingReLUFusing {
    public var readsItsInputForTheReLU: Bool { false }
}
