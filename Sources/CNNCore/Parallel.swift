import CKernels
import Dispatch
import Foundation

/// The engine's one way to run work on several cores.
///
/// Thread policy (why): OpenBLAS is set to one thread and the engine parallelizes over independent
/// units itself (images of a batch in convolution, channels or (sample, group) pairs in the norms).
/// The GEMMs of a small CNN are small (e.g. 32×784×288 per image); splitting each one across
/// threads costs more in synchronisation than it gains, while two images per step keep two cores
/// busy with no sharing. Keeping OpenBLAS at one thread also means its threads never compete with
/// ours for the two cores (no oversubscription, no spinning BLAS workers between calls).
/// Work is split into fixed chunks, so a given thread count always gives the same results.
///
/// The chunks run on our own worker pool (`Sources/CKernels/include/cnn_pool.h`): its workers spin
/// briefly between loops instead of sleeping, because waking a sleeping libdispatch worker took
/// 30–400 µs on these virtual machines, about as long as a norm's whole loop.
/// `CNNTRAIN_POOL=dispatch` runs them with `DispatchQueue.concurrentPerform` instead, for A/B runs.
public enum Parallel {
    /// Whether loops run on libdispatch instead of our pool (CNNTRAIN_POOL=dispatch).
    static let usesDispatch = ProcessInfo.processInfo.environment["CNNTRAIN_POOL"] == "dispatch"

    /// Threads used by `forEachChunk`. Set once at start-up (the CLI's `--threads`).
    nonisolated(unsafe) public private(set) static var threadCount: Int = defaultThreadCount

    /// The machine's active processor count.
    public static var defaultThreadCount: Int { max(1, sysconf_processors()) }

    /// Sets the engine's thread count (and keeps OpenBLAS at one thread, see above).
    public static func setThreadCount(_ count: Int) {
        precondition(count >= 1, "thread count must be at least 1")
        threadCount = count
        BLAS.setThreadCount(1)
    }

    /// Splits `0..<count` into at most `threadCount` contiguous chunks and runs `body(chunk, range)`
    /// for each, in parallel. `chunk` is in `0..<threadCount`, for per-thread scratch buffers.
    public static func forEachChunk(
        _ count: Int, minimumPerChunk: Int = 1,
        _ body: (_ chunk: Int, _ range: Range<Int>) -> Void
    ) {
        if count <= 0 { return }
        let chunks = max(1, min(threadCount, count / max(1, minimumPerChunk)))
        if chunks == 1 { body(0, 0..<count); return }
        withoutActuallyEscaping(body) { body in
            if usesDispatch {
                DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                    body(chunk, chunkRange(chunk, of: chunks, count: count))
                }
                return
            }
            var loop = PoolLoop(count: count, chunks: chunks, body: body)
            withUnsafeMutablePointer(to: &loop) { pointer in
                cnn_pool_run(
                    Int32(chunks),
                    { context, chunk in
                        let loop = context!.assumingMemoryBound(to: PoolLoop.self).pointee
                        loop.body(Int(chunk), Parallel.chunkRange(Int(chunk), of: loop.chunks, count: loop.count))
                    }, pointer)
            }
        }
    }

    /// One loop handed to the C pool through its context pointer.
    private struct PoolLoop {
        let count: Int
        let chunks: Int
        let body: (_ chunk: Int, _ range: Range<Int>) -> Void
    }

    /// The `chunk`-th of `chunks` near-equal contiguous parts of `0..<count`.
    public static func chunkRange(_ chunk: Int, of chunks: Int, count: Int) -> Range<Int> {
        let base = count / chunks, extra = count % chunks
        let start = chunk * base + min(chunk, extra)
        return start..<(start + base + (chunk < extra ? 1 : 0))
    }
}

#if canImport(Glibc)
    import Glibc
    private func sysconf_processors() -> Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
#else
    import Foundation
    private func sysconf_processors() -> Int { ProcessInfo.processInfo.activeProcessorCount }
#endif
