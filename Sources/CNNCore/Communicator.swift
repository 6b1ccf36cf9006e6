/// The processes of one data-parallel training job, and the collectives the engine needs.
///
/// The seam between the engine and MPI: the engine (SyncBatchNorm, the trainer) speaks only to
/// this protocol; `SingleProcessCommunicator` is the one-process world every ordinary run uses,
/// `MPICommunicator` (module CNNDistributed) the Open MPI one, and tests use an in-process fake
/// (threads as ranks). Every collective must be called by every rank, in the same order, with the
/// same counts; a rank that does not come makes the others wait (MPI's abort ends such a job).
///
/// Determinism: `allReduceSum` must give every rank the same bits (Open MPI's reductions do: each
/// element is combined along one schedule and the result distributed); `allGather` returns the
/// ranks' values in rank order, so a rank-order combine after it is identical everywhere.
public protocol Communicator: AnyObject {
    /// This process's index, 0..<size. Rank 0 owns the run directory.
    var rank: Int { get }
    /// The number of processes (the world size W).
    var size: Int { get }
    /// Replaces `values` on every rank by the element-wise sum over all ranks.
    func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>)
    func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>)
    /// Every rank's `values` (the same count on each), concatenated in rank order.
    func allGather(_ values: [Double]) -> [Double]
    /// Replaces `bytes` on every rank by rank `root`'s.
    func broadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int)
    func barrier()
}

extension Communicator {
    /// True in a job of more than one process.
    public var isDistributed: Bool { size > 1 }

    /// The sum over all ranks of a few doubles (metrics, counts, flags).
    public func allReduceSum(_ values: [Double]) -> [Double] {
        var values = values
        values.withUnsafeMutableBufferPointer { allReduceSum($0) }
        return values
    }

    /// Replaces `values` on every rank by rank `root`'s.
    public func broadcast(_ values: UnsafeMutableBufferPointer<Float>, root: Int) {
        broadcast(UnsafeMutableRawBufferPointer(values), root: root)
    }
}

/// The world of one process: every collective is the identity.
public final class SingleProcessCommunicator: Communicator {
    public static let shared = SingleProcessCommunicator()
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) {}
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) {}
    public func allGather(_ values: [Double]) -> [Double] { values }
    public func broadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int) {
        precondition(root == 0, "broadcast from rank \(root) in a one-process world")
    }
    public func barrier() {}
}

/// How a global batch of `count` samples is shared among `size` ranks: contiguous shares in rank
/// order, the first `count mod size` ranks taking one more (the remainder rule of a short batch).
public func shareRange(rank: Int, size: Int, count: Int) -> Range<Int> {
    precondition(size >= 1 && (0..<size).contains(rank), "rank \(rank) outside a world of \(size)")
    let base = count / size, extra = count % size
    let start = rank * base + min(rank, extra)
    return start..<(start + base + (rank < extra ? 1 : 0))
}
