import CNNDistributed
import Foundation

/// Under `mpirun`, every rank parses the same command line and reads the same files, so a bad
/// option or a missing file would be reported once per rank. Ranks other than 0 therefore keep
/// their standard error closed (on /dev/null) until training starts; from then on each rank
/// reports its own failures. (A setup failure on rank r ≠ 0 alone shows as mpirun's message naming
/// rank r and its exit status; run that command in one process to read it.)
enum RankOutput {
    nonisolated(unsafe) private static var savedStandardError: Int32 = -1

    /// Called first thing in `main`.
    static func silenceSetupOnOtherRanks() {
        guard World.launchedByMPI, World.announcedRank != 0 else { return }
        let null = open("/dev/null", O_WRONLY)
        guard null >= 0 else { return }
        savedStandardError = dup(STDERR_FILENO)
        dup2(null, STDERR_FILENO)
        close(null)
    }

    /// Training has started: this rank's failures are its own from here on.
    static func trainingStarted() {
        guard savedStandardError >= 0 else { return }
        dup2(savedStandardError, STDERR_FILENO)
        close(savedStandardError)
        savedStandardError = -1
    }
}
