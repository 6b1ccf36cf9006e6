import CNNCore

extension Sequential {
    /// A forward that fuses (see `Fusion`):
    /// - inference: conv → BatchNorm (running statistics) → [ReLU] as one conv with the norm folded
    ///   into its weights and bias and the ReLU applied on the store;
    /// - both modes: a conv or norm followed by ReLU clamps its own output, and the ReLU's forward
    ///   is skipped; its backward later reads that output (`fusedReLUOutputs`).
    func fusedForward(_ input: Tensor, mode: Mode) -> Tensor {
        var x = input, index = 0
        while index < layers.count {
            let layer = layers[index]
            var next = index + 1
            if mode == .inference, let conv = layer as? Conv2D, next < layers.count,
                let affine = layers[next] as? ChannelAffineInInference,
                let map = affine.inferenceScaleShift(channels: conv.outputChannels)
            {
                next += 1
                let relu = next < layers.count && layers[next] is ReLU
                if relu { next += 1 }
                let epilogue = ConvEpilogue(scale: map.scale, shift: map.shift, relu: relu)
                x = Self.timed(conv, .forward) { [x] in conv.forward(x, mode: .inference, epilogue: epilogue) }
                lastForwardFolded = true
            } else if let fusing = layer as? ReLUFusing, next < layers.count, layers[next] is ReLU {
                x = Self.timed(layer, .forward) { [x] in fusing.forward(x, mode: mode, fusedReLU: true) }
                fusedReLUOutputs[next] = x
                next += 1
            } else {
                x = layer.profiledForward(x, mode: mode)
            }
            index = next
        }
        return x
    }

    /// The backward of layer `index` together with a ReLU next to it, when they fuse (`Fusion`):
    /// a pool or conv after a ReLU takes the ReLU's backward (profiled as its own), or a conv or norm
    /// whose forward fused the ReLU after it does (profiled as its own). Returns the gradient and
    /// the index of the next layer to run backward, or nil when nothing fuses at `index`.
    func fusedBackward(
        at index: Int, _ gradient: Tensor, needsInputGradient: Bool
    ) -> (gradient: Tensor?, next: Int)? {
        // The layer that ends up first in backward gets the caller's needsInputGradient.
        if index >= 1, layers[index - 1] is ReLU, let pool = layers[index] as? PrecedingReLUFusing,
            index - 1 > 0 || needsInputGradient, !cheaperBeforeTheReLU(index - 1, than: pool)
        {
            let result = Self.timed(pool, .backward) { pool.backwardThroughPrecedingReLU(gradient) }
            Self.timed(layers[index - 1], .backward) {}  // the ReLU stays in the profile, at 0 ms
            return (result, index - 2)
        }
        if index >= 1, index < fusedReLUOutputs.count, fusedReLUOutputs[index] != nil, layers[index] is ReLU,
            let fusing = layers[index - 1] as? ReLUBackwardFusing
        {
            let needs = index - 1 == 0 ? needsInputGradient : true
            let result = Self.timed(fusing, .backward) {
                fusing.backward(gradient, needsInputGradient: needs, fusedReLU: true)
            }
            Self.timed(layers[index], .backward) {}
            return (result, index - 2)
        }
        return nil
    }

    /// Whether the ReLU at `relu` is better left to the layer before it than to `after`, the layer
    /// after it: when `after` must read its input for the mask (a conv) and the layer before fused
    /// the ReLU in its forward and applies its backward for free (a norm, not a conv).
    private func cheaperBeforeTheReLU(_ relu: Int, than after: PrecedingReLUFusing) -> Bool {
        guard after.readsItsInputForTheReLU, relu >= 1, relu < fusedReLUOutputs.count, fusedReLUOutputs[relu] != nil,
            let before = layers[relu - 1] as? ReLUBackwardFusing
        else { return false }
        return !before.masksInAPassOfItsOwn
    }

    /// `body`, timed as `layer`'s work in `direction` when a profiler is on.
    @inline(__always)
    static func timed<T>(_ layer: Layer, _ direction: PassDirection, _ body: () -> T) -> T {
        guard let profiler = Profiler.current else { return body() }
        return profiler.measure(layer, direction, body)
    }
}
