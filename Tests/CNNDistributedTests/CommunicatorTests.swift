import CNNCore
import CNNDistributed
import TestSupport
import XCTest

/// The communicator seam: the one-process world, shares of a batch, and the in-process fake world
/// the norm and trainer tests use. Runs under mpirun are in CLITests (DistributedTrainingTests).
final class CommunicatorTests: XCTestCase {
    func testWithoutMPIRunTheWorldIsOneProcess() throws {
        try XCTSkipIf(World.launchedByMPI, "this test process was started by mpirun")
        let world = try World.communicator()
        XCTAssertEqual(world.rank, 0)
        XCTAssertEqual(world.size, 1)
        XCTAssertFalse(world.isDistributed)
        XCTAssertEqual(world.allReduceSum([1.5, 2]), [1.5, 2])
        XCTAssertEqual(world.allGather([3, 4]), [3, 4])
    }

    func testSharesCoverTheBatchInRankOrderWithTheRemainderFirst() {
        XCTAssertEqual((0..<4).map { shareRange(rank: $0, size: 4, count: 64) }, [0..<16, 16..<32, 32..<48, 48..<64])
        XCTAssertEqual((0..<3).map { shareRange(rank: $0, size: 3, count: 8) }, [0..<3, 3..<6, 6..<8])
        XCTAssertEqual((0..<2).map { shareRange(rank: $0, size: 2, count: 1) }, [0..<1, 1..<1])
    }

    func testThreadWorldSumsGathersAndBroadcastsTheSameOnEveryRank() {
        let world = ThreadWorld(size: 3)
        let results = world.run { communicator -> ([Float], [Double], [UInt8]) in
            var floats: [Float] = [0.1 * Float(communicator.rank + 1), 1e8, -1e8]
            floats.withUnsafeMutableBufferPointer { communicator.allReduceSum($0) }
            let gathered = communicator.allGather([Double(communicator.rank)])
            var bytes: [UInt8] = [UInt8(communicator.rank), 7]
            bytes.withUnsafeMutableBytes { communicator.broadcast($0, root: 2) }
            communicator.barrier()
            return (floats, gathered, bytes)
        }
        for result in results {
            XCTAssertEqual(result.0, results[0].0)
            XCTAssertEqual(result.1, [0, 1, 2])
            XCTAssertEqual(result.2, [2, 7])
        }
        XCTAssertEqual(results[0].0[1], 3e8)
    }

    /// Open MPI is loaded at run time: present (scripts/setup.sh installs it) it loads; absent,
    /// the error says how to install it. Either way nothing here needs mpirun.
    func testOpenMPILoadsOrSaysHowToInstallIt() {
        switch MPILibrary.load() {
        case .success:
            break
        case .failure(let error):
            XCTAssertTrue(error.description.contains("scripts/setup.sh"), error.description)
            XCTAssertFalse(
                FileManager.default.fileExists(atPath: "/usr/lib/x86_64-linux-gnu/libmpi.so.40"),
                "libmpi.so.40 is installed but did not load: \(error)")
        }
    }
}
