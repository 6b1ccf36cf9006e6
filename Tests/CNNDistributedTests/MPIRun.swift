import CNNTraining
import Foundation
import TestSupport
import XCTest

/// Runs the built `cnntrain` under `mpirun` (always inside `timeout`), and reads checkpoints.
enum MPIRun {
    enum Transport: String {
        /// Open MPI's default on one host: shared memory (btl vader) between the ranks.
        case sharedMemory
        /// TCP over the loopback interface: a stand-in for several hosts.
        case loopbackTCP

        var arguments: [String] {
            switch self {
            case .sharedMemory: return ["--mca", "btl", "self,vader"]
            case .loopbackTCP:
                return [
                    "--mca", "btl", "self,tcp", "--mca", "btl_tcp_if_include", "lo",
                    "--mca", "oob_tcp_if_include", "lo"
                ]
            }
        }
    }

    struct Result {
        let status: Int32
        let output: String
        let error: String
        let seconds: Double
    }

    static let mpirun = "/usr/bin/mpirun"

    static var executable: URL? {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return [
            bundleDirectory.appendingPathComponent("cnntrain"),
            Fixtures.repositoryRoot.appendingPathComponent(".build/release/cnntrain")
        ]
        .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    static var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        environment["CNNTRAIN_CACHE"] =
            FileManager.default.temporaryDirectory.appendingPathComponent("cnntrain-test-cache").path
        return environment
    }

    /// The arguments of `timeout … mpirun -np W … cnntrain arguments` (W = 1: cnntrain alone).
    static func commandLine(processes: Int, transport: Transport, _ arguments: [String], timeout seconds: Int) throws
        -> [String]
    {
        guard let executable else { throw XCTSkip("cnntrain is not built; run scripts/test.sh") }
        guard processes > 1 else { return ["\(seconds)", executable.path] + arguments }
        guard FileManager.default.isExecutableFile(atPath: mpirun) else {
            throw XCTSkip("Open MPI is not installed (scripts/setup.sh installs openmpi-bin)")
        }
        return ["\(seconds)", mpirun, "-np", "\(processes)", "--oversubscribe", "--bind-to", "none"]
            + transport.arguments
            + [executable.path] + arguments
    }

    static func run(
        processes: Int, transport: Transport = .sharedMemory, _ arguments: [String], timeout seconds: Int = 300
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = try commandLine(processes: processes, transport: transport, arguments, timeout: seconds)
        process.environment = environment
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("mpirun-\(UUID().uuidString).out")
        let error = FileManager.default.temporaryDirectory.appendingPathComponent("mpirun-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        _ = FileManager.default.createFile(atPath: error.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output); try? FileManager.default.removeItem(at: error) }
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: error)
        let start = Date()
        try process.run()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, output: (try? String(contentsOf: output, encoding: .utf8)) ?? "",
            error: (try? String(contentsOf: error, encoding: .utf8)) ?? "", seconds: Date().timeIntervalSince(start))
    }

    /// Every F32 tensor of a checkpoint, by name.
    static func weights(_ path: String) throws -> [String: [Float]] {
        let file = try SafeTensorsFile.read(path: path)
        var result: [String: [Float]] = [:]
        for name in file.tensors.keys where file.tensors[name]!.dtype == .f32 {
            result[name] = try file.floatTensor(name).array
        }
        return result
    }

    /// The largest |a − b| / max(|b|, 1) over all tensors (absolute below 1, relative above: running
    /// variances reach the hundreds), and where.
    static func largestDifference(_ a: [String: [Float]], _ b: [String: [Float]]) -> (difference: Float, name: String) {
        var worst: (Float, String) = (0, "")
        for (name, values) in a {
            guard let other = b[name], other.count == values.count else { return (.infinity, name) }
            for i in values.indices {
                let difference = abs(values[i] - other[i]) / max(abs(other[i]), 1)
                if !(difference <= worst.0) { worst = (difference, name) }
            }
        }
        return worst
    }
}
