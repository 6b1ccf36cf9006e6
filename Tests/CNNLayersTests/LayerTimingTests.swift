import CNNCore
import CNNLayers
import Dispatch
import TestSupport
import XCTest

/// Prints pooling timings and a training-step throughput figure for a smallcnn-like network
/// (`CNNTRAIN_BENCH=1 swift test -c release --skip-build --filter LayerTimingTests`); skipped
/// otherwise. Not timed assertions. The conv kernel benchmark is in CNNExperimentsTests.
final class LayerTimingTests: XCTestCase {
    private func requireBenchmarkEnvironment() throws -> Int {
        guard ProcessInfo.processInfo.environment["CNNTRAIN_BENCH"] == "1" else {
            throw XCTSkip("set CNNTRAIN_BENCH=1 to run the benchmarks")
        }
        return ProcessInfo.processInfo.environment["CNNTRAIN_BENCH_REPS"].flatMap(Int.init) ?? 5
    }

    func testPrintPoolTiming() throws {
        _ = try requireBenchmarkEnvironment()
        let input = GradientCheck.randomTensor(Shape(64, 32, 28, 28), seed: 3)
        let layers: [Layer] = [
            MaxPool2D(kernelSize: 2), MaxPool2D(kernelSize: 3, stride: 2, padding: 1), ReLU(), AvgPool2D(kernelSize: 2)
        ]
        for layer in layers {
            var times: [Double] = []
            for _ in 0..<21 {
                let start = DispatchTime.now().uptimeNanoseconds
                let y = layer.forward(input, mode: .training)
                let mid = DispatchTime.now().uptimeNanoseconds
                _ = layer.backward(y, needsInputGradient: true)
                times.append(Double(mid - start) * 1e-6)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - mid) * 1e-6 + 1e6)
            }
            let f = times.filter { $0 < 1e6 }.sorted(), b = times.filter { $0 >= 1e6 }.map { $0 - 1e6 }.sorted()
            print("\(layer.summary): forward \(f[f.count / 2]) ms, backward \(b[b.count / 2]) ms")
        }
    }

    /// Forward + loss + backward + SGD of a norm-free smallcnn-like net on a 64-image batch.
    func testPrintTrainingStepThroughput() throws {
        let repetitions = try requireBenchmarkEnvironment()
        var generator = SeededGenerator(seed: 1)
        let net = Sequential([
            Conv2D(inputChannels: 1, outputChannels: 32, kernelSize: 3, padding: 1, generator: &generator), ReLU(),
            Conv2D(inputChannels: 32, outputChannels: 32, kernelSize: 3, padding: 1, generator: &generator), ReLU(),
            MaxPool2D(kernelSize: 2),
            Conv2D(inputChannels: 32, outputChannels: 64, kernelSize: 3, padding: 1, generator: &generator), ReLU(),
            Conv2D(inputChannels: 64, outputChannels: 64, kernelSize: 3, padding: 1, generator: &generator), ReLU(),
            MaxPool2D(kernelSize: 2),
            Flatten(),
            Linear(inputFeatures: 64 * 7 * 7, outputFeatures: 10, generator: &generator)
        ])
        let input = GradientCheck.randomTensor(Shape(64, 1, 28, 28), seed: 2)
        let labels = (0..<64).map { Int32($0 % 10) }
        let loss = SoftmaxCrossEntropy()
        func step() {
            _ = loss.forward(logits: net.forward(input, mode: .training), labels: labels)
            _ = net.backward(loss.backward(), needsInputGradient: false)
            sgdStep(net, learningRate: 0.01)
        }
        step()
        var times: [Double] = []
        for _ in 0..<max(repetitions, 5) {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<5 { step() }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 / 5)
        }
        // Per-layer split (sum over 10 steps), to see where a step goes.
        var forwardTime = [Double](repeating: 0, count: net.layers.count), backwardTime = forwardTime
        for _ in 0..<10 {
            var x = input
            for (i, layer) in net.layers.enumerated() {
                let start = DispatchTime.now().uptimeNanoseconds
                x = layer.forward(x, mode: .training)
                forwardTime[i] += Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-8
            }
            _ = loss.forward(logits: x, labels: labels)
            var gradient: Tensor? = loss.backward()
            for (i, layer) in net.layers.enumerated().reversed() {
                let start = DispatchTime.now().uptimeNanoseconds
                gradient = layer.backward(gradient!, needsInputGradient: i > 0)
                backwardTime[i] += Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-8
            }
            net.zeroGradients()
        }
        for (i, layer) in net.layers.enumerated() {
            print(
                String(
                    format: "  %-24@ forward %6.2f ms  backward %6.2f ms", layer.summary, forwardTime[i] * 1e3,
                    backwardTime[i] * 1e3))
        }
        times.sort()
        let median = times[times.count / 2]
        print(
            "smallcnn-like training step, batch 64, \(Parallel.threadCount) threads: \(String(format: "%.2f", median * 1e3)) ms = \(Int(64 / median)) images/s (median)"
        )
    }
}
