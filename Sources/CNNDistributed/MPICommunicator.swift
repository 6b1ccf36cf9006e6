import CMPI
import CNNCore
import Foundation

/// The Open MPI world of a job started by `mpirun`, over MPI_COMM_WORLD.
///
/// Open MPI is loaded at run time (see Sources/CMPI/include/cnn_mpi.h), so a machine without it
/// builds and runs single-process; asking for a distributed run there is a clear error.
/// Collectives that fail abort the job (MPI_ERRORS_ARE_FATAL): no rank is left waiting.
public final class MPICommunicator: Communicator {
    public let rank: Int
    public let size: Int

    /// MPI_Init and the world's rank and size.
    /// - Throws: `DistributedError` when Open MPI cannot be loaded or initialised.
    public init() throws {
        if case .failure(let error) = MPILibrary.load() {
            throw DistributedError("this process was started by mpirun, but " + error.description)
        }
        let status = cnn_mpi_init()
        guard status == 0 else { throw DistributedError("MPI_Init failed (error \(status))") }
        rank = Int(cnn_mpi_rank())
        size = Int(cnn_mpi_size())
    }

    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) {
        guard let base = values.baseAddress, !values.isEmpty else { return }
        check(cnn_mpi_allreduce_sum_float(base, values.count), "MPI_Allreduce")
    }

    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) {
        guard let base = values.baseAddress, !values.isEmpty else { return }
        check(cnn_mpi_allreduce_sum_double(base, values.count), "MPI_Allreduce")
    }

    public func allGather(_ values: [Double]) -> [Double] {
        var result = [Double](repeating: 0, count: values.count * size)
        values.withUnsafeBytes { sent in
            result.withUnsafeMutableBytes { received in
                check(cnn_mpi_allgather_bytes(sent.baseAddress, received.baseAddress, sent.count), "MPI_Allgather")
            }
        }
        return result
    }

    public func broadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        check(cnn_mpi_broadcast_bytes(base, bytes.count, Int32(root)), "MPI_Bcast")
    }

    public func barrier() { check(cnn_mpi_barrier(), "MPI_Barrier") }

    /// MPI_Finalize: call once at the end of a successful run, on every rank.
    public func finalize() { _ = cnn_mpi_finalize() }

    /// Ends every rank of the job with `code` (MPI_Abort).
    public func abort(code: Int32) -> Never {
        cnn_mpi_abort(code)
        exit(code)
    }

    private func check(_ status: Int32, _ call: String) {
        if status != 0 {
            FileHandle.standardError.write(
                "error: rank \(rank): \(call) failed (error \(status)); ending the job\n".data(using: .utf8)!)
            abort(code: 1)
        }
    }
}

/// Open MPI's shared library, loaded at run time.
public enum MPILibrary {
    /// Loads libmpi.so.40 (once); the failure says what to install.
    public static func load() -> Result<Void, DistributedError> {
        var message = [CChar](repeating: 0, count: 512)
        if cnn_mpi_load(&message, Int32(message.count)) != 0 {
            return .failure(DistributedError(String(cString: message)))
        }
        return .success(())
    }
}

/// The process's world: MPI's when started by `mpirun` (Open MPI sets OMPI_COMM_WORLD_SIZE), else
/// one process. `threadBudget` is the engine's thread count on this host, shared by its ranks.
public enum World {
    /// True when this process was started by Open MPI's launcher.
    public static var launchedByMPI: Bool { ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"] != nil }

    /// This process's rank as the launcher announced it, before MPI_Init (0 outside mpirun).
    /// For deciding, before any collective, which rank reports an error that every rank hits.
    public static var announcedRank: Int {
        Int(ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_RANK"] ?? "") ?? 0
    }

    /// Ranks on this host (OMPI_COMM_WORLD_LOCAL_SIZE; 1 outside mpirun).
    public static var localSize: Int {
        max(1, Int(ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_LOCAL_SIZE"] ?? "") ?? 1)
    }

    /// The communicator of this process: `MPICommunicator` under mpirun, else the one-process world.
    public static func communicator() throws -> Communicator {
        launchedByMPI ? try MPICommunicator() : SingleProcessCommunicator.shared
    }
}

/// A failure to set up or run a distributed job.
public struct DistributedError: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}
