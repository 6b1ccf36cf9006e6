import CNNCore
import Foundation

/// Where a training step's time went, per layer and per kind, from a `Profiler` (`--profile`).
///
/// Milliseconds are per step (averaged over the profiled steps). A layer that split its chunks'
/// thread time by kind (convolution: GEMM, im2col/col2im) has its wall time divided in those
/// proportions; the rest of its time counts as its own kind (`Layer.workKind`). A container's own
/// time (a residual add) is its time minus its children's.
public struct ProfileReport: Codable, Sendable {
    public struct LayerRow: Codable, Sendable {
        /// state_dict path: "3", "5.body.0".
        public var path: String
        public var summary: String
        public var forwardMilliseconds: Double
        public var backwardMilliseconds: Double
    }

    public struct KindRow: Codable, Sendable {
        public var kind: String
        public var milliseconds: Double
        /// Fraction of the step.
        public var share: Double
    }

    public var steps: Int
    public var batchSize: Int
    public var stepMilliseconds: Double
    public var layers: [LayerRow]
    public var kinds: [KindRow]

    public init(profiler: Profiler, model: Layer, batchSize: Int) {
        let steps = max(profiler.steps, 1)
        let perStep = { (nanoseconds: Double) in nanoseconds / 1e6 / Double(steps) }
        var layers: [LayerRow] = []
        var byKind: [WorkKind: Double] = [:]

        /// Adds a layer's rows and kind times; returns its wall nanoseconds (forward + backward).
        @discardableResult
        func visit(_ layer: Layer, path: String) -> [Double] {
            let children = layer.children
            var childWall = [0.0, 0.0]
            for child in children {
                let wall = visit(child.layer, path: path.isEmpty ? child.name : path + "." + child.name)
                childWall[0] += wall[0]; childWall[1] += wall[1]
            }
            guard let times = profiler.times(of: layer) else { return childWall }
            let wall = times.wall.map { Double($0) }
            if !children.isEmpty {
                // A container: only its own work (e.g. the residual add) is new here.
                let own = [max(wall[0] - childWall[0], 0), max(wall[1] - childWall[1], 0)]
                byKind[.other, default: 0] += own[0] + own[1]
                layers.append(
                    LayerRow(
                        path: path, summary: layer.summary + " (own work)",
                        forwardMilliseconds: perStep(own[0]), backwardMilliseconds: perStep(own[1])))
                return wall
            }
            for direction in 0..<2 {
                var rest = wall[direction]
                let threadTotal = Double(times.threadTotal[direction])
                if threadTotal > 0 {
                    for (kind, threadTime) in times.threadByKind[direction] {
                        let share = wall[direction] * Double(threadTime) / threadTotal
                        byKind[kind, default: 0] += share
                        rest -= share
                    }
                }
                byKind[layer.workKind, default: 0] += max(rest, 0)
            }
            layers.append(
                LayerRow(
                    path: path, summary: layer.summary,
                    forwardMilliseconds: perStep(wall[0]), backwardMilliseconds: perStep(wall[1])))
            return wall
        }
        visit(model, path: "")

        for (kind, nanoseconds) in profiler.stepParts { byKind[kind, default: 0] += Double(nanoseconds) }
        let step = Double(profiler.stepNanoseconds)
        let accounted = byKind.values.reduce(0, +)
        // Whatever the step spent outside every timed part (loop bookkeeping) counts as other.
        byKind[.other, default: 0] += max(step - accounted, 0)

        self.steps = profiler.steps
        self.batchSize = batchSize
        self.stepMilliseconds = perStep(step)
        self.layers = layers
        self.kinds = WorkKind.allCases.compactMap { kind in
            guard let nanoseconds = byKind[kind] else { return nil }
            return KindRow(
                kind: kind.rawValue, milliseconds: perStep(nanoseconds), share: step > 0 ? nanoseconds / step : 0)
        }
    }

    /// The two tables as text for the terminal.
    public var text: String {
        func ms(_ value: Double) -> String { String(format: "%8.2f", value) }
        func percent(_ value: Double) -> String { String(format: "%5.1f%%", 100 * value) }
        let width = max(layers.map { $0.path.count + 2 + $0.summary.count }.max() ?? 0, 12)
        func pad(_ text: String) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
        var lines = [
            "profile: \(steps) steps of batch \(batchSize), \(String(format: "%.2f", stepMilliseconds)) ms per step (\(String(format: "%.0f", Double(batchSize) / stepMilliseconds * 1000)) images/s)",
            "",
            "\(pad("layer"))  forward ms  backward ms    share"
        ]
        for row in layers {
            let share = (row.forwardMilliseconds + row.backwardMilliseconds) / max(stepMilliseconds, 1e-12)
            lines.append(
                "\(pad(row.path + "  " + row.summary))    \(ms(row.forwardMilliseconds))     \(ms(row.backwardMilliseconds))   \(percent(share))"
            )
        }
        lines += ["", "\(pad("by kind"))  ms per step    share"]
        for row in kinds {
            lines.append("\(pad(row.kind))    \(ms(row.milliseconds))     \(percent(row.share))")
        }
        return lines.joined(separator: "\n")
    }
}
