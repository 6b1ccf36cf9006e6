import CNNCore

extension Conv2D: PrecedingReLUFusing {
    /// Backward with the input gradient of the ReLU in front of this conv: our kernels apply that
    /// ReLU's backward as they store ∂x (kept where this conv's input, the ReLU's output, is > 0),
    /// the other paths in a pass over each image's ∂x. Bit-identical to this backward, then the
    /// ReLU's.
    public func backwardThroughPrecedingReLU(_ outputGradient: Tensor) -> Tensor {
        guard let gradient = backwardFusing(outputGradient, needsInputGradient: true, fusedReLU: false, gated: true)
        else { preconditionFailure("\(summary): no input gradient") }
        return gradient
    }

    /// Reading its input for the ReLU's mask costs this conv a stream: see `PrecedingReLUFusing`.
    public var readsItsInputForTheReLU: Bool { true }
}

extension Conv2D: ReLUBackwardFusing {
    /// Its fused ReLU's backward is a pass of its own over each image (`maskReLUGradient`).
    public var masksInAPassOfItsOwn: Bool { true }

    /// Backward with the fused ReLU's backward applied to `outputGradient` image by image as the
    /// products read it (see `backwardFusing`); bit-identical to ReLU backward, then this backward.
    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool, fusedReLU: Bool) -> Tensor? {
        backwardFusing(outputGradient, needsInputGradient: needsInputGradient, fusedReLU: fusedReLU)
    }

    /// Forward with the ReLU that follows fused into the output store (training or inference).
    public func forward(_ input: Tensor, mode: Mode, fusedReLU: Bool) -> Tensor {
        forward(input, mode: mode, epilogue: fusedReLU ? ConvEpilogue(relu: true) : nil)
    }

    /// The weights and bias of this conv with a fused epilogue's scale and shift folded in:
    /// W'[f] = W[f]·scale[f], b'[f] = b[f]·scale[f] + shift[f] (b = 0 without a bias). Either is
    /// nil when the epilogue leaves it as it is.
    func fold(_ epilogue: ConvEpilogue) -> (weights: UnsafeMutablePointer<Float>?, bias: UnsafeMutablePointer<Float>?) {
        let F = outputChannels, R = weight.value.count / F
        var weights: UnsafeMutablePointer<Float>?
        if let scale = epilogue.scale {
            precondition(scale.count == F, "\(summary): epilogue scale for \(scale.count) channels")
            foldedWeights.resize(to: Shape(F, R))
            let w = weight.value.data, folded = foldedWeights.data
            for f in 0..<F {
                for r in 0..<R { folded[f * R + r] = w[f * R + r] * scale[f] }
            }
            weights = folded
        }
        guard epilogue.scale != nil || epilogue.shift != nil else { return (weights, bias?.value.data) }
        foldedBias.resize(to: Shape(F))
        let folded = foldedBias.data, b = bias?.value.data
        for f in 0..<F {
            let own = b?[f] ?? 0
            folded[f] = own * (epilogue.scale?[f] ?? 1) + (epilogue.shift?[f] ?? 0)
        }
        return (weights, folded)
    }

    /// out (rows, length) += bias per row, then clamped at 0 with `relu`: the OpenBLAS path's
    /// epilogue, run while the image's output is still in cache.
    static func addBias(
        _ bias: UnsafePointer<Float>?, relu: Bool, to out: UnsafeMutablePointer<Float>, rows: Int, length: Int
    ) {
        for f in 0..<rows {
            let row = out + f * length, value = bias?[f] ?? 0
            if relu {
                for i in 0..<length { row[i] = max(row[i] + value, 0) }
            } else {
                for i in 0..<length { row[i] += value }
            }
        }
    }
}
