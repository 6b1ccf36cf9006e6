import CNNCore
import Foundation

/// An in-process world for tests: W threads play W ranks, and collectives meet in shared memory.
///
/// Each collective deposits every rank's values, waits for all W, and combines them in rank order,
/// so every rank gets the same bits (as the `Communicator` contract asks). `run` starts one thread
/// per rank and returns when all have finished.
public final class ThreadWorld: @unchecked Sendable {
    public let size: Int
    private let condition = NSCondition()
    private var deposits: [[Double]]
    private var arrived = 0
    private var generation = 0
    private var result: [[Double]] = []

    public init(size: Int) {
        precondition(size >= 1, "a world needs at least one rank")
        self.size = size
        deposits = Array(repeating: [], count: size)
    }

    /// The communicator of `rank`.
    public func communicator(rank: Int) -> Communicator { ThreadCommunicator(world: self, rank: rank) }

    /// Runs `body(rank's communicator)` on W threads at once; returns the ranks' results in rank order.
    public func run<T>(_ body: @escaping (Communicator) -> T) -> [T] {
        let results = ResultSlots<T>(size)
        let group = DispatchGroup()
        for rank in 0..<size {
            let thread = Thread { [self] in
                let value = body(communicator(rank: rank))
                results.lock.lock(); results.values[rank] = value; results.lock.unlock()
                group.leave()
            }
            thread.stackSize = 8 << 20
            group.enter()
            thread.start()
        }
        group.wait()
        return results.values.map { $0! }
    }

    /// Every rank's values in rank order, once all W have deposited theirs.
    func exchange(rank: Int, _ values: [Double]) -> [[Double]] {
        condition.lock()
        defer { condition.unlock() }
        let myGeneration = generation
        deposits[rank] = values
        arrived += 1
        if arrived == size {
            result = deposits
            arrived = 0
            generation += 1
            condition.broadcast()
        } else {
            while generation == myGeneration { condition.wait() }
        }
        return result
    }
}

/// One result per rank, written by the rank threads under a lock.
private final class ResultSlots<T>: @unchecked Sendable {
    var values: [T?]
    let lock = NSLock()
    init(_ count: Int) { values = Array(repeating: nil, count: count) }
}

final class ThreadCommunicator: Communicator {
    let world: ThreadWorld
    let rank: Int
    var size: Int { world.size }

    init(world: ThreadWorld, rank: Int) {
        self.world = world
        self.rank = rank
    }

    private func sum(_ values: [Double]) -> [Double] {
        let all = world.exchange(rank: rank, values)
        var total = all[0]
        for r in 1..<all.count { for i in total.indices { total[i] += all[r][i] } }
        return total
    }

    func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) {
        // Summed in Float, in rank order, as a reduction over Float values would be.
        let all = world.exchange(rank: rank, values.map(Double.init))
        for i in values.indices {
            var total = Float(all[0][i])
            for r in 1..<all.count { total += Float(all[r][i]) }
            values[i] = total
        }
    }

    func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) {
        let total = sum(Array(values))
        for i in values.indices { values[i] = total[i] }
    }

    func allGather(_ values: [Double]) -> [Double] { world.exchange(rank: rank, values).flatMap { $0 } }

    func broadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int) {
        let all = world.exchange(rank: rank, bytes.map(Double.init))
        for i in 0..<bytes.count { bytes[i] = UInt8(all[root][i]) }
    }

    func barrier() { _ = world.exchange(rank: rank, []) }
}
