#if canImport(Glibc)
    import Glibc
#endif

/// What a piece of a training step's time is spent on (the rows of `--profile`'s "by kind" table).
public enum WorkKind: String, CaseIterable, Codable, Sendable {
    case gemm = "GEMM"
    case im2col = "im2col/col2im"
    case norm
    case activation
    case pooling
    case loss
    case optimizer
    case data
    /// Everything else: bias adds, partial-gradient reductions, flatten, dropout, residual adds.
    case other
    /// The gradient all-reduce of a data-parallel step (waiting for the other processes included).
    case communication

    /// Position in `allCases`: the counter slot of `ChunkTimes`.
    @inline(__always) var index: Int {
        switch self {
        case .gemm: return 0
        case .im2col: return 1
        case .norm: return 2
        case .activation: return 3
        case .pooling: return 4
        case .loss: return 5
        case .optimizer: return 6
        case .data: return 7
        case .other: return 8
        case .communication: return 9
        }
    }
}

/// Forward or backward.
public enum PassDirection: Int, Sendable { case forward = 0, backward = 1 }

/// Monotonic nanoseconds, for profiling.
@inline(__always) public func monotonicNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
}

/// Collects where a training step's time goes (`cnntrain train --profile`, `cnntrain bench train`).
///
/// Off by default: `Profiler.current` is nil and the hot paths pay one load and one branch.
/// When on, containers (`Sequential`, `Residual`) time each child's forward and backward
/// (wall-clock), and layers that run parallel chunks (convolution) add how their chunks' thread
/// time divides between kinds (GEMM, im2col/col2im); the report splits the layer's wall time in
/// those proportions. The trainer times data, loss and optimizer itself.
public final class Profiler {
    /// The profiler being filled, or nil (not profiling). Set only between steps, on the main thread.
    nonisolated(unsafe) public static var current: Profiler?

    /// One layer's totals over all profiled steps, in nanoseconds.
    public struct LayerTimes {
        public var wall: [UInt64] = [0, 0]
        /// Thread time per kind, as reported by the layer's chunks, and the chunks' total.
        public var threadByKind: [[WorkKind: UInt64]] = [[:], [:]]
        public var threadTotal: [UInt64] = [0, 0]
    }

    public private(set) var layers: [ObjectIdentifier: LayerTimes] = [:]
    /// Time outside the model: data, loss, optimizer, other (zeroing gradients).
    public private(set) var stepParts: [WorkKind: UInt64] = [:]
    public private(set) var steps = 0
    public private(set) var stepNanoseconds: UInt64 = 0

    public init() {}

    /// Runs `body` and adds its wall time to `layer`'s `direction`.
    @inline(__always)
    public func measure<T>(_ layer: AnyObject, _ direction: PassDirection, _ body: () -> T) -> T {
        let start = monotonicNanoseconds()
        let result = body()
        layers[ObjectIdentifier(layer), default: LayerTimes()].wall[direction.rawValue] +=
            monotonicNanoseconds() - start
        return result
    }

    /// Adds the per-chunk thread times a parallel layer measured (see `ChunkTimes`).
    public func record(_ layer: AnyObject, _ direction: PassDirection, _ times: ChunkTimes) {
        guard let counters = times.counters else { return }
        var entry = layers[ObjectIdentifier(layer), default: LayerTimes()]
        let stride = WorkKind.allCases.count + 1
        for chunk in 0..<times.chunks {
            for kind in WorkKind.allCases where counters[chunk * stride + kind.index] > 0 {
                entry.threadByKind[direction.rawValue][kind, default: 0] += counters[chunk * stride + kind.index]
            }
            entry.threadTotal[direction.rawValue] += counters[chunk * stride + stride - 1]
        }
        layers[ObjectIdentifier(layer)] = entry
        counters.deallocate()
    }

    /// Runs `body`, adding its wall time to `kind` when a profiler is on (a step part outside the model).
    @inline(__always)
    public static func timed<T>(_ kind: WorkKind, _ body: () -> T) -> T {
        guard let current else { return body() }
        return current.measure(kind, body)
    }

    /// Runs `body` and adds its wall time to a step part outside the model (data, loss, optimizer).
    @inline(__always)
    public func measure<T>(_ kind: WorkKind, _ body: () -> T) -> T {
        let start = monotonicNanoseconds()
        let result = body()
        stepParts[kind, default: 0] += monotonicNanoseconds() - start
        return result
    }

    /// Counts one finished step of `nanoseconds` wall time.
    public func finishStep(nanoseconds: UInt64) {
        steps += 1
        stepNanoseconds += nanoseconds
    }

    public func times(of layer: AnyObject) -> LayerTimes? { layers[ObjectIdentifier(layer)] }
}

/// Per-chunk thread-time counters of one parallel layer call, for `Profiler.record`.
/// Without a profiler it holds nothing and `time` just runs its body.
public struct ChunkTimes {
    public let chunks: Int
    let counters: UnsafeMutablePointer<UInt64>?

    /// Counters for `chunks` chunks when profiling, else empty.
    public init(chunks: Int) {
        self.chunks = chunks
        if Profiler.current != nil {
            let count = chunks * (WorkKind.allCases.count + 1)
            counters = .allocate(capacity: count)
            counters!.initialize(repeating: 0, count: count)
        } else {
            counters = nil
        }
    }

    /// Runs `body` and adds its time to `kind` of `chunk` (each chunk is written by one thread only).
    @inline(__always)
    public func time(_ chunk: Int, _ kind: WorkKind, _ body: () -> Void) {
        guard let counters else { body(); return }
        let start = monotonicNanoseconds()
        body()
        counters[chunk * (WorkKind.allCases.count + 1) + kind.index] += monotonicNanoseconds() - start
    }

    /// Runs a whole chunk's `body` and records its total thread time.
    @inline(__always)
    public func chunk(_ chunk: Int, _ body: () -> Void) {
        guard let counters else { body(); return }
        let start = monotonicNanoseconds()
        body()
        counters[chunk * (WorkKind.allCases.count + 1) + WorkKind.allCases.count] += monotonicNanoseconds() - start
    }
}

extension Layer {
    /// `forward`, timed as this layer's when a profiler is on. Containers call their children this way.
    @inline(__always)
    public func profiledForward(_ input: Tensor, mode: Mode) -> Tensor {
        guard let profiler = Profiler.current else { return forward(input, mode: mode) }
        return profiler.measure(self, .forward) { forward(input, mode: mode) }
    }

    /// `backward`, timed as this layer's when a profiler is on.
    @inline(__always)
    public func profiledBackward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard let profiler = Profiler.current else {
            return backward(outputGradient, needsInputGradient: needsInputGradient)
        }
        return profiler.measure(self, .backward) { backward(outputGradient, needsInputGradient: needsInputGradient) }
    }
}
