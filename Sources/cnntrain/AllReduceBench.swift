import ArgumentParser
import CNNCore
import CNNDistributed
import Foundation

/// `cnntrain bench allreduce`: the time of one gradient all-reduce, run under mpirun.
struct AllReduceBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allreduce",
        abstract: "Time MPI_Allreduce (sum, in place) of COUNT floats between the processes of mpirun.",
        discussion:
            "Run as `mpirun -np 2 cnntrain bench allreduce`. The default COUNT is smallcnn's gradient (468,010 floats for 10 classes). Each repeat starts after a barrier, so waiting for a late process is not counted. Rank 0 prints the median and the fastest time."
    )

    @Option(help: "Floats per all-reduce.")
    var count = 468_010
    @Option(help: "Timed all-reduces (after 5 untimed ones).")
    var repeats = 50

    func validate() throws {
        try requireAtLeast(1, count, option: "--count")
        try requireAtLeast(1, repeats, option: "--repeats")
    }

    func run() throws {
        try runReportingErrors {
            let communicator = try World.communicator()
            RankOutput.trainingStarted()
            var values = [Float](repeating: 1, count: count)
            var times: [Double] = []
            for index in 0..<(repeats + 5) {
                communicator.barrier()
                let start = monotonicNanoseconds()
                values.withUnsafeMutableBufferPointer { communicator.allReduceSum($0) }
                if index >= 5 { times.append(Double(monotonicNanoseconds() - start) / 1e6) }
            }
            times.sort()
            (communicator as? MPICommunicator)?.finalize()
            guard communicator.rank == 0 else { return }
            print(
                String(
                    format:
                        "allreduce of %d floats (%.1f MB) on %d process%@: median %.3f ms, fastest %.3f ms (%d repeats)",
                    count, Double(count * 4) / 1e6, communicator.size, communicator.size == 1 ? "" : "es",
                    times[times.count / 2], times[0], repeats))
        }
    }
}
