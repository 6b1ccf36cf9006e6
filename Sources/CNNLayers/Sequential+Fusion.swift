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

    /// `body`, timed as `layer`'s work in `direction` when a profiler is on.
    @inline(__always)
    static func timed<T>(_ layer: Layer, _ direction: PassDirection, _ body: () -> T) -> T {
        guard let profiler = Profiler.current else { return body() }
        return profiler.measure(layer, direction, body)
    }
}
