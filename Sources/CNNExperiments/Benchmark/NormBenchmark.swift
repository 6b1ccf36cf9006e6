import CNNCore
import CNNLayers
import CNNNorms

/// Times every norm kind at the four norm slots of the reference model (`smallcnn`) and sets each
/// against the convolution that precedes it, as a Markdown table (`cnntrain bench norms`).
///
/// The slots at batch N: (32, 28, 28) after conv 1→32, (32, 28, 28) after conv 32→32,
/// (64, 14, 14) after conv 32→64 and (64, 14, 14) after conv 64→64, all 3×3 pad 1. Norms run in
/// training mode, forward then backward with the input gradient. The convolution is CNNLayers'
/// `Conv2D` without bias (the first conv's backward skips the input gradient, as the engine does
/// for a network's first layer). Each round runs conv forward → norm
/// forward → norm backward → conv backward for every kind in turn; figures are medians over
/// `repetitions` rounds after one warm-up round. They print, they are never asserted.
///
/// Goals: every norm's forward + backward ≤ 25% of its conv's, GroupNorm within 1.2× of BatchNorm.
/// The report also gives each slot's memory floor: a norm reads x and writes y forward, reads x and
/// dy and writes dx backward — 5 tensor sweeps, 2.5 times one read-and-write pass over the slot —
/// which no norm kernel can beat (only fusing it into the conv could).
public func normBenchmarkReport(batchSize: Int = 64, repetitions: Int = 7, groupCount: Int = 8) -> String {
    let stages: [(name: String, inputChannels: Int, channels: Int, size: Int, first: Bool)] = [
        ("conv1", 1, 32, 28, true), ("conv2", 32, 32, 28, false),
        ("conv3", 32, 64, 14, false), ("conv4", 64, 64, 14, false)
    ]
    let kinds = NormKind.allCases.filter { $0 != .none }
    var rows: [String] = []
    var worstShare: (share: Double, kind: NormKind, stage: String) = (0, .batch, "")
    var worstRatio: (ratio: Double, stage: String) = (0, "")
    var totals: [NormKind: Double] = [:]
    var convTotal = 0.0
    var floors: [(stage: String, milliseconds: Double, conv: Double)] = []

    // Warm-up (~0.2 s): starts the worker threads, faults in the allocator's pages and lets the
    // clock settle; without it the first slot measured reads up to 1.5× slower.
    do {
        let warmInput = randomBenchmarkTensor(Shape(batchSize, 32, 28, 28), seed: 1)
        let warmLayer = BatchNorm(channelCount: 32)
        let start = monotonicNanoseconds()
        while monotonicNanoseconds() - start < 200_000_000 {
            _ = warmLayer.forward(warmInput, mode: .training)
            _ = warmLayer.backward(warmInput, needsInputGradient: true)
        }
    }

    for stage in stages {
        let C = stage.channels, H = stage.size, W = stage.size
        var convGenerator = SeededGenerator(seed: 3)
        let conv = Conv2D(
            inputChannels: stage.inputChannels, outputChannels: C, kernelSize: 3, padding: 1, bias: false,
            generator: &convGenerator)
        let convInput = randomBenchmarkTensor(Shape(batchSize, stage.inputChannels, H, W), seed: 11)
        var convOutput = Tensor(shape: Shape(batchSize, C, H, W))
        let gradient = randomBenchmarkTensor(Shape(batchSize, C, H, W), seed: 12)
        let layers: [(kind: NormKind, layer: Layer)] = kinds.compactMap { kind in
            (try? NormFactory.make(
                kind, channelCount: C, height: H, width: W, groupCount: groupCount,
                layerName: "\(stage.name) norm")).flatMap { $0 }.map { (kind, $0) }
        }
        // Each round runs, for every kind, the training order conv forward → norm forward →
        // norm backward → conv backward (on the norm's dx), so that every norm reads a freshly
        // written conv output as it would in training, and the kinds interleave: a slow spell of
        // the shared machine hits every kind of a round rather than one kind's runs.
        var convTimes: ([Double], [Double]) = ([], [])
        var normTimes = [([Double], [Double])](repeating: ([], []), count: layers.count)
        for round in 0...max(1, repetitions) {  // round 0 is the warm-up
            for (index, entry) in layers.enumerated() {
                let convForwardTime = milliseconds { convOutput = conv.forward(convInput, mode: .training) }
                let forwardTime = milliseconds { _ = entry.layer.forward(convOutput, mode: .training) }
                var inputGradient: Tensor?
                let backwardTime = milliseconds {
                    inputGradient = entry.layer.backward(gradient, needsInputGradient: true)
                }
                let convBackwardTime = milliseconds {
                    _ = conv.backward(inputGradient ?? gradient, needsInputGradient: !stage.first)
                }
                if round > 0 {
                    convTimes.0.append(convForwardTime); convTimes.1.append(convBackwardTime)
                    normTimes[index].0.append(forwardTime); normTimes[index].1.append(backwardTime)
                }
            }
        }
        // The memory floor: one read-and-write pass over the slot, parallel over images.
        let slotCount = C * H * W
        let passOutput = Tensor(shape: convOutput.shape)
        var passTimes: [Double] = []
        for round in 0...max(1, repetitions) {
            let time = milliseconds {
                Parallel.forEachChunk(batchSize) { _, images in
                    let start = images.lowerBound * slotCount
                    (passOutput.data + start).update(from: convOutput.data + start, count: images.count * slotCount)
                }
            }
            if round > 0 { passTimes.append(time) }
        }
        let convForward = median(convTimes.0), convBackward = median(convTimes.1)
        floors.append((stage.name, 2.5 * median(passTimes), convForward + convBackward))
        let convTime = convForward + convBackward
        convTotal += convTime

        var batchTime = 0.0
        for (index, (kind, layer)) in layers.enumerated() {
            let forward = median(normTimes[index].0), backward = median(normTimes[index].1)
            let time = forward + backward
            totals[kind, default: 0] += time
            if kind == .batch { batchTime = time }
            let share = time / convTime
            if share > worstShare.share { worstShare = (share, kind, stage.name) }
            var versusBatch = ""
            if kind != .batch {
                versusBatch = ratio(time / batchTime)
                if kind == .group && time / batchTime > worstRatio.ratio { worstRatio = (time / batchTime, stage.name) }
            }
            let convName = "\(stage.inputChannels)→\(C)" + (stage.first ? " (no dx)" : "")
            rows.append(
                "| \(stage.name) | \(C)×\(H)×\(W) | \(convName) | \(format(convForward)) | \(format(convBackward)) "
                    + "| \(layer.summary) | \(format(forward)) | \(format(backward)) | \(percent(share)) "
                    + "| \(versusBatch) |")
        }
    }

    var report =
        "Norm benchmark: batch \(batchSize), \(Parallel.threadCount) threads, OpenBLAS \(BLAS.coreName), "
        + "medians of \(repetitions) rounds, ms (conv: medians over all kinds' rounds); GroupNorm with \(groupCount) groups\n\n"
    report +=
        "| slot | shape C×H×W | conv | conv fwd | conv bwd | norm | norm fwd | norm bwd | norm / conv | vs batch |\n"
    report += "| --- | --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |\n"
    report += rows.joined(separator: "\n") + "\n\n"
    report += "All four slots: conv fwd+bwd \(format(convTotal)) ms; "
    report +=
        kinds.compactMap { kind in totals[kind].map { "\(kind.rawValue) \(format($0)) ms (\(percent($0 / convTotal)))" }
        }
        .joined(separator: ", ") + "\n"
    report +=
        "Memory floor of any norm (2.5 read-and-write passes over the slot): "
        + floors.map { "\($0.stage) \(format($0.milliseconds)) ms = \(percent($0.milliseconds / $0.conv)) of its conv" }
        .joined(separator: ", ") + "\n"
    report +=
        "Goal norm ≤ 25% of its conv: worst \(percent(worstShare.share)) "
        + "(\(worstShare.kind.rawValue) after \(worstShare.stage)) — \(worstShare.share <= 0.25 ? "met" : "not met")\n"
    report +=
        "Goal GroupNorm ≤ 1.2× BatchNorm: worst \(ratio(worstRatio.ratio)) (\(worstRatio.stage)) — "
        + "\(worstRatio.ratio <= 1.2 ? "met" : "not met")\n"
    return report
}

private func format(_ milliseconds: Double) -> String { fixed(milliseconds, digits: 2) }
private func percent(_ fraction: Double) -> String { fixed(100 * fraction, digits: 0) + "%" }
private func ratio(_ value: Double) -> String { fixed(value, digits: 2) + "×" }

private func randomBenchmarkTensor(_ shape: Shape, seed: UInt64, scale: Float = 1, offset: Float = 0) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    let tensor = Tensor(shape: shape)
    for i in 0..<tensor.count { tensor[i] = offset + scale * generator.uniform(-1, 1) }
    return tensor
}
