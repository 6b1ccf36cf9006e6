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

            Example (the README's tables): cnntrain bench speed --python .venv-torch/bin/python; cnntrain bench speed --python .venv-torch/bin/python --norms group --batch-sizes 1,8,64,256 --thread-counts 1,2
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
            Parallel.setThreadCount(1)
            BenchCommand.printEngine()
            print(
                "\(model): \(normList.count * batches.count * threads.count) configurations × \(repeats) repeats; training \(workload.trainImages) images per measurement, inference \(workload.inferenceImages) test images"
            )
            if torchScript != nil { print("PyTorch from \(python)") }
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
