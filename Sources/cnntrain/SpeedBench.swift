import ArgumentParser
import CNNCore
import CNNData
import CNNExperiments
import CNNLayers
import CNNModels
import CNNNorms
import CNNTraining
import Foundation

/// `cnntrain bench speed`: this engine against PyTorch, each measurement its own process.
struct SpeedBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "speed",
        abstract:
            "This engine against PyTorch on the same model, norm by norm: training and inference images/s, their ratio, and peak memory.",
        discussion: """
            Every measurement is its own process: `cnntrain bench train --json` and scripts/pytorch/torch_bench.py, which runs PyTorch twice, with contiguous and with channels_last tensors; the ratio is ours over the faster of the two. PyTorch comes from --python (default: $CNNTRAIN_PYTHON, else /usr/bin/python3 with Debian's python3-torch); scripts/setup_torch_venv.sh makes .venv-torch/bin/python with the current PyTorch. The engines alternate within each repeat, and the table shows medians over --repeats. Peak memory is each process's own maximum resident set (wait4).

            Example (the README's tables): cnntrain bench speed --python .venv-torch/bin/python; the same with --malloc tuned (PyTorch with glibc's malloc set to keep freed memory); cnntrain bench speed --python .venv-torch/bin/python --norms group --batch-sizes 1,8,64,256 --thread-counts 1,2
            """)
    @Option(help: OptionHelp.model)
    var model = TrainingOptions().model
    @OptionGroup var workload: SpeedWorkloadOptions
    @Option(help: OptionHelp.normList("Norms"))
    var norms = NormList.all
    @Option(help: "Training batch sizes: a comma list, e.g. 1,8,64,256.")
    var batchSizes = "64"
    @Option(help: "Thread counts: a comma list, e.g. 1,2. Default: all cores.")
    var threadCounts = String(ProcessInfo.processInfo.activeProcessorCount)
    @Option(help: "Repeats of every measurement (the median is shown).")
    var repeats = 3
    @Flag(help: "Measure this engine only, without the PyTorch columns.")
    var noPytorch = false
    @Option(
        help:
            "The Python that runs PyTorch (e.g. .venv-torch/bin/python from scripts/setup_torch_venv.sh). Default: $CNNTRAIN_PYTHON, else /usr/bin/python3."
    )
    var python: String?
    @Option(
        help: """
            The C allocator's settings for every measurement: system (glibc's defaults, what `pip install torch` \
            runs with) or tuned (MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_ set so that freed memory is \
            kept and reused instead of handed back to the kernel, as PyTorch's CPU tuning guide advises with \
            jemalloc or tcmalloc). PyTorch allocates each step's tensors anew and pays page faults with the \
            defaults; this engine keeps its buffers, so the setting does not change its figures.
            """)
    var malloc: MallocSettings = .system
    @Option(help: "Also write the rows as JSON to this file.")
    var json: String?

    func validate() throws {
        _ = try parsed()
        guard (1...50).contains(repeats) else {
            throw ValidationError("--repeats \(repeats) is not allowed; use 1 to 50")
        }
    }

    func parsed() throws -> (norms: [NormKind], batchSizes: [Int], threads: [Int]) {
        let normList = try norms.kinds(option: "--norms")
        func integers(_ text: String, _ option: String, _ range: ClosedRange<Int>) throws -> [Int] {
            try text.split(separator: ",").map { item in
                guard let value = Int(item.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
                    throw ValidationError(
                        "\(option): '\(item)' is not allowed; use a comma list of integers from \(range.lowerBound) to \(range.upperBound)"
                    )
                }
                return value
            }
        }
        let batches = try integers(batchSizes, "--batch-sizes", 1...4096)
        let threads = try integers(threadCounts, "--thread-counts", 1...256)
        guard !normList.isEmpty, !batches.isEmpty, !threads.isEmpty else {
            throw ValidationError("--norms, --batch-sizes and --thread-counts need at least one value each")
        }
        return (normList, batches, threads)
    }

    func run() throws {
        try runReportingErrors {
            let (normList, batches, threads) = try parsed()
            var configuration = SpeedComparison.Configuration()
            configuration.norms = normList
            configuration.batchSizes = batches
            configuration.threadCounts = threads
            configuration.repeats = repeats
            configuration.model = model
            configuration.data = workload.data
            configuration.trainImages = workload.trainImages
            configuration.inferenceBatchSize = workload.inferenceBatchSize
            configuration.inferenceImages = workload.inferenceImages
            let executable = ChildProcess.currentExecutable
            var torchScript: String? = nil
            let python = PythonInterpreter.resolve(self.python)
            if !noPytorch {
                if let script = PythonScripts.find("pytorch/torch_bench.py", executable: executable),
                    PythonInterpreter.has("torch", python: python)
                {
                    torchScript = script
                } else {
                    print(
                        "PyTorch columns left out: \(python) has no torch (scripts/setup_torch_venv.sh, or apt-get install python3-torch) or scripts/pytorch/torch_bench.py is not found; --no-pytorch silences this."
                    )
                }
            }
            malloc.applyToChildren()
            Parallel.setThreadCount(1)
            BenchCommand.printEngine()
            print(
                "\(model): \(normList.count * batches.count * threads.count) configurations × \(repeats) repeats; training \(workload.trainImages) images per measurement, inference \(workload.inferenceImages) test images"
            )
            if torchScript != nil { print("PyTorch from \(python)") }
            print("malloc: \(malloc.summary)")
            let comparison = SpeedComparison(
                configuration: configuration, commands: CommandLineChildren(executable: executable, python: python),
                torchScript: torchScript
            ) { line in
                print(line)
                fflush(stdout)
            }
            let rows = try comparison.run()
            print("\nmedians of \(repeats) repeats:\n")
            print(SpeedComparison.markdown(rows, inferenceBatchSize: workload.inferenceBatchSize))
            if let cpu = SpeedComparison.cpuMarkdown(rows) {
                print(
                    "\nimages per CPU-second (user + system time of each process; steadier on a loaded machine, fair at one thread: idle OpenMP threads spin):\n"
                )
                print(cpu)
            }
            if let json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try AtomicFile.write(try encoder.encode(rows), to: json)
                print("wrote \(json)")
            }
            let failed = rows.flatMap(\.failures)
            if !failed.isEmpty {
                throw TrainingError("\(failed.count) measurements failed:\n" + failed.joined(separator: "\n"))
            }
        }
    }
}

/// `bench speed --malloc`: glibc malloc's settings for every child process of a speed comparison.
enum MallocSettings: String, ExpressibleByArgument, CaseIterable {
    case system, tuned

    /// glibc's environment tunables (mallopt's M_MMAP_THRESHOLD and M_TRIM_THRESHOLD): no block is
    /// served by its own mmap, and the heap's free top is never returned, so a process that frees
    /// and reallocates the same sizes every step reuses its pages instead of faulting them in anew.
    static let tunedEnvironment = [("MALLOC_MMAP_THRESHOLD_", "2000000000"), ("MALLOC_TRIM_THRESHOLD_", "4000000000")]

    var summary: String {
        switch self {
        case .system: "system (glibc's defaults, or whatever MALLOC_* this shell sets)"
        case .tuned:
            "tuned (" + Self.tunedEnvironment.map { "\($0)=\($1)" }.joined(separator: " ")
                + " for every measurement)"
        }
    }

    /// Sets the environment the comparison's children inherit (both engines alike).
    func applyToChildren() {
        guard self == .tuned else { return }
        for (name, value) in Self.tunedEnvironment { setenv(name, value, 1) }
    }
}
