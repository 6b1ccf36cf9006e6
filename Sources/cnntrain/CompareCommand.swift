import ArgumentParser
import CNNExperiments
import CNNModels
import CNNNorms
import CNNTraining
import Foundation

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract:
            "Train a grid of norms × batch sizes × learning rates × seeds and compare them (accuracy, speed, parameters, memory).",
        discussion: """
            Each cell is a separate `cnntrain train` process writing <out>/cells/<norm>-b<batch>-lr<lr>-s<seed>/; its peak memory is that process's own. Cells whose summary.json exists are kept and not run again, so running the same command again resumes an interrupted study (the study's shared settings must match its study.json). A cell that fails (divergence, an option the model rejects) is recorded with its reason and the others go on.

            Writes <out>/results.csv (one row per cell), results.json, report.md (mean ± standard deviation over seeds), and plots via scripts/reports/plot_study.py when /usr/bin/python3 has matplotlib.

            Exit status: 0 when every cell succeeded; 1 when any cell failed (all results are still written); 64 on a bad option or a study folder made with other settings; 130 (143) when Ctrl-C (SIGTERM) stopped the study: the finished cells are kept, and the same command goes on.

            Example: cnntrain compare --norms batch,group --batch-sizes 2,8,32,64 --lr-rule linear --seeds 3 --epochs 3
            """)

    enum Rule: String, CaseIterable, ExpressibleByArgument { case fixed, linear }

    @Option(help: OptionHelp.normList("Norms to compare"))
    var norms = NormList.all
    @Option(help: "Batch sizes: a comma list of positive integers, e.g. 2,8,32,64.")
    var batchSizes = "2,8,32,64"
    @Option(
        help: "Learning rates: a comma list of positive numbers, each tried at every batch size (not with --lr-rule).")
    var lrs: String?
    @Option(
        help:
            "Learning-rate rule when --lrs is not given: linear (lr = base-lr × batch / 64, the linear scaling rule of Goyal et al. 2017, as in the Group Normalization paper) or fixed (every cell uses --base-lr). Default: linear."
    )
    var lrRule: Rule?
    @Option(help: "Base learning rate of --lr-rule (the rate at batch 64 under the linear rule).")
    var baseLr: Double = 0.05
    @Option(help: "Repeats of every cell, with seeds 1…N (1 to 100).")
    var seeds = 1
    @Option(
        help: ArgumentHelp(
            "A further grid axis: a run option's JSON key (as in a run's config.json) and its values, e.g. dropout=0,0.5, convBias=yes,no, normPosition=before,after, initGain=0.5,1,2, activation=relu,sigmoid. Repeat it for more axes.",
            valueName: "key=v1,v2"))
    var grid: [String] = []
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: OptionHelp.data)
    var data: String?
    @Option(help: "Epochs per cell (1 or more).")
    var epochs = 10
    @Option(help: OptionHelp.trainLimit)
    var trainLimit: Int?
    @Option(help: OptionHelp.testLimit)
    var testLimit: Int?
    @OptionGroup var threadOptions: ThreadOptions
    @Option(help: "Study directory. Default: studies/<date>-<model>. Give the same one to resume a study.")
    var out: String?
    @Flag(
        help:
            "Also train every cell with PyTorch (scripts/pytorch/torch_train.py; needs python3-torch) and show its accuracy beside ours."
    )
    var withPytorch = false
    @Option(
        help:
            "The Python that runs PyTorch (e.g. .venv-torch/bin/python from scripts/setup_torch_venv.sh). Default: $CNNTRAIN_PYTHON, else /usr/bin/python3."
    )
    var python: String?
    @Flag(help: "Do not draw the plots at the end.")
    var noPlots = false
    @Option(
        help:
            "Processes per cell: each cell runs as `mpirun -np W cnntrain train …` (Open MPI), with the batch sizes global (each process takes batch/W, which must divide). Default: 1 (no mpirun)."
    )
    var processes = 1

    func validate() throws {
        _ = try norms.kinds(option: "--norms")
        _ = try parsedBatchSizes()
        _ = try rule()
        _ = try gridAxes()
        guard (1...100).contains(seeds) else { throw ValidationError("--seeds \(seeds) is not allowed; use 1 to 100") }
        try cellOptions.validateForCommandLine()
        guard (1...256).contains(processes) else {
            throw ValidationError("--processes \(processes) is not allowed; use 1 to 256")
        }
    }

    /// What every cell shares, as a run configuration (checked as train checks it).
    var cellOptions: TrainingOptions {
        var options = modelOptions.resolved
        options.data = data
        options.epochs = epochs
        options.trainLimit = trainLimit
        options.testLimit = testLimit
        return options
    }

    /// The norms of the cells. `all` has syncbatch only when the cells run on several processes:
    /// in one process it is batch.
    func cellNorms() throws -> [NormKind] {
        let kinds = try norms.kinds(option: "--norms")
        return norms.text == "all" && processes == 1 ? kinds.filter { $0 != .syncbatch } : kinds
    }

    /// The `--grid` axes, each checked as a study file's axes are.
    func gridAxes() throws -> [GridAxis] {
        let axes = try grid.map { try GridAxis(parsing: $0) }
        do {
            try GridAxis.check(axes)
            let plan = StudyPlan(norms: [.group], batchSizes: [64], rule: .fixed(base: 0.05), seedCount: 1, axes: axes)
            try plan.checkCells(StudySettings(cellOptions))
        } catch { throw ValidationError("--grid: \(error)") }
        return axes
    }

    func parsedBatchSizes() throws -> [Int] {
        let list = batchSizes.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        let sizes = try list.map { text -> Int in
            guard let size = Int(text), size >= 1 else {
                throw ValidationError(
                    "--batch-sizes: '\(text)' is not allowed; use a comma list of positive integers, e.g. 2,8,32,64")
            }
            return size
        }
        guard Set(sizes).count == sizes.count else {
            throw ValidationError("--batch-sizes \(batchSizes) names a batch size twice")
        }
        return sizes
    }

    func rule() throws -> LearningRateRule {
        guard baseLr > 0, baseLr.isFinite else {
            throw ValidationError("--base-lr \(baseLr) is not allowed; use a positive number")
        }
        if let lrs {
            guard lrRule == nil else {
                throw ValidationError(
                    "--lrs and --lr-rule cannot be combined: give a list of rates, or a rule with --base-lr")
            }
            let list = lrs.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            let rates = try list.map { text -> Double in
                guard let rate = Double(text), rate > 0, rate.isFinite else {
                    throw ValidationError(
                        "--lrs: '\(text)' is not allowed; use a comma list of positive numbers, e.g. 0.01,0.05")
                }
                return rate
            }
            guard Set(rates).count == rates.count else { throw ValidationError("--lrs \(lrs) names a rate twice") }
            return .list(rates)
        }
        return (lrRule ?? .linear) == .linear ? .linear(base: baseLr) : .fixed(base: baseLr)
    }

    func run() throws {
        // Ctrl-C stops the study after the running cell (see StudyRunner.stopIfAsked).
        StopRequest.install()
        try runReportingErrors {
            var settings = StudySettings(cellOptions)
            settings.processes = processes > 1 ? processes : nil
            let plan = StudyPlan(
                norms: try cellNorms(), batchSizes: try parsedBatchSizes(),
                rule: try rule(), seedCount: seeds, axes: try gridAxes())
            let directory = out ?? Study.defaultPath(model: settings.model)
            let executable = ChildProcess.currentExecutable

            var torchScript: String? = nil
            if withPytorch {
                guard let script = PythonScripts.find("pytorch/torch_train.py", executable: executable) else {
                    throw TrainingError(
                        "--with-pytorch: scripts/pytorch/torch_train.py not found (run from the repository)")
                }
                guard PythonInterpreter.has("torch", python: PythonInterpreter.resolve(python)) else {
                    throw TrainingError(
                        "--with-pytorch needs PyTorch for \(PythonInterpreter.resolve(python)): apt-get install python3-torch, or scripts/setup_torch_venv.sh and --python .venv-torch/bin/python"
                    )
                }
                torchScript = script
            }
            print(plan.summary(directory: directory, epochs: epochs))
            let runner = StudyRunner(
                settings: settings, plan: plan, directory: directory, threads: threadOptions.threads,
                commands: CommandLineChildren(executable: executable, python: PythonInterpreter.resolve(python)),
                torchScript: torchScript
            ) { line in
                print(line)
                fflush(stdout)
            }
            // A study folder made with other settings is bad input (64); failures from here on are the work's (1).
            try runner.prepare()
            try runReportingErrors(status: ExitStatus.failure) {
                try compareRun(runner: runner, executable: executable)
            }
        }
    }

    /// Runs the cells, writes the results and the report, draws the plots.
    func compareRun(runner: StudyRunner, executable: String) throws {
        let command = (["cnntrain"] + CommandLine.arguments.dropFirst()).map(PythonScripts.shellQuoted).joined(
            separator: " ")
        try runner.runAndReport(
            command: command, drawPlots: noPlots ? nil : { StudyPlots.draw(directory: $0, executable: executable) })
    }
}
