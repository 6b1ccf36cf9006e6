import ArgumentParser
import CNNModels
import CNNNorms
import CNNTraining
import Foundation

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Train a grid of norms × batch sizes × learning rates × seeds and compare them (accuracy, speed, parameters, memory).",
        discussion: """
        Each cell is a separate `cnntrain train` process writing <out>/cells/<norm>-b<batch>-lr<lr>-s<seed>/; its peak memory is that process's own. Cells whose summary.json exists are kept and not run again, so running the same command again resumes an interrupted study (the study's shared settings must match its study.json). A cell that fails (divergence, an option the model rejects) is recorded with its reason and the others go on.

        Writes <out>/results.csv (one row per cell), results.json, report.md (mean ± standard deviation over seeds), and plots via scripts/plot_study.py when /usr/bin/python3 has matplotlib.

        Exit status: 0 when every cell succeeded; 1 when any cell failed (all results are still written); 64 on a bad option or a study folder made with other settings; 130 (143) when Ctrl-C (SIGTERM) stopped the study: the finished cells are kept, and the same command goes on.

        Example: cnntrain compare --norms batch,group --batch-sizes 2,8,32,64 --lr-rule linear --seeds 3 --epochs 3
        """)

    enum Rule: String, CaseIterable, ExpressibleByArgument { case fixed, linear }

    @Option(help: "Norms to compare: a comma list of \(NormKind.allCases.map(\.rawValue).joined(separator: ", ")), or all.")
    var norms = "all"
    @Option(help: "Batch sizes: a comma list of positive integers, e.g. 2,8,32,64.")
    var batchSizes = "2,8,32,64"
    @Option(help: "Learning rates: a comma list of positive numbers, each tried at every batch size (not with --lr-rule).")
    var lrs: String?
    @Option(help: "Learning-rate rule when --lrs is not given: linear (lr = base-lr × batch / 64, the linear scaling rule of Goyal et al. 2017, as in the Group Normalization paper) or fixed (every cell uses --base-lr). Default: linear.")
    var lrRule: Rule?
    @Option(help: "Base learning rate of --lr-rule (the rate at batch 64 under the linear rule).")
    var baseLr: Double = 0.05
    @Option(help: "Repeats of every cell, with seeds 1…N (1 to 100).")
    var seeds = 1
    @Option(help: "Model: a name in Models/ (smallcnn, lenet, resnet) or a path to a .cfg file.")
    var model = "smallcnn"
    @Option(help: "Dataset (as for train). Default: Fashion-MNIST.")
    var data: String?
    @Option(help: "Epochs per cell (1 or more).")
    var epochs = 10
    @Option(help: "GroupNorm's group count; must divide every normed channel count. Default: a slot's groups=, else 8.")
    var groups: Int?
    @Option(help: "Norm before or after the activation: before, after.")
    var normPosition: NormPosition = .before
    @Option(help: "Use only N training images in every cell: a class-stratified subset seeded by the cell's seed (as train's --train-limit).")
    var trainLimit: Int?
    @Option(help: "Use only N test images in every cell: a class-stratified subset seeded by the cell's seed.")
    var testLimit: Int?
    @OptionGroup var threadOptions: ThreadOptions
    @Option(help: "Study directory. Default: studies/<date>-<model>. Give the same one to resume a study.")
    var out: String?
    @Flag(help: "Also train every cell with PyTorch (scripts/torch_train.py; needs python3-torch) and show its accuracy beside ours.")
    var withPytorch = false
    @Flag(help: "Do not draw the plots at the end.")
    var noPlots = false
    @Option(help: "Processes per cell: each cell runs as `mpirun -np W cnntrain train …` (Open MPI), with the batch sizes global (each process takes batch/W, which must divide). Default: 1 (no mpirun).")
    var processes = 1

    func validate() throws {
        _ = try parsedNorms()
        _ = try parsedBatchSizes()
        _ = try rule()
        guard (1...100).contains(seeds) else { throw ValidationError("--seeds \(seeds) is not allowed; use 1 to 100") }
        guard epochs >= 1 else { throw ValidationError("--epochs \(epochs) is not allowed; use 1 or more") }
        if let groups, groups < 1 { throw ValidationError("--groups \(groups) is not allowed; use 1 or more") }
        if let trainLimit, trainLimit < 1 { throw ValidationError("--train-limit \(trainLimit) is not allowed; use 1 or more") }
        if let testLimit, testLimit < 1 { throw ValidationError("--test-limit \(testLimit) is not allowed; use 1 or more") }
        guard (1...256).contains(processes) else { throw ValidationError("--processes \(processes) is not allowed; use 1 to 256") }
    }

    func parsedNorms() throws -> [String] {
        let allowed = NormKind.allCases.map(\.rawValue)
        // syncbatch is batch in one process: "all" has it only when cells run on several.
        if norms == "all" { return ["none", "batch"] + (processes > 1 ? ["syncbatch"] : []) + ["layer", "instance", "group"] }
        let list = norms.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        for norm in list where !allowed.contains(norm) {
            throw ValidationError("--norms: '\(norm)' is not allowed; use a comma list of \(allowed.joined(separator: ", ")), or all")
        }
        guard Set(list).count == list.count else { throw ValidationError("--norms \(norms) names a norm twice") }
        return list
    }

    func parsedBatchSizes() throws -> [Int] {
        let list = batchSizes.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let sizes = try list.map { text -> Int in
            guard let size = Int(text), size >= 1 else {
                throw ValidationError("--batch-sizes: '\(text)' is not allowed; use a comma list of positive integers, e.g. 2,8,32,64")
            }
            return size
        }
        guard Set(sizes).count == sizes.count else { throw ValidationError("--batch-sizes \(batchSizes) names a batch size twice") }
        return sizes
    }

    func rule() throws -> LearningRateRule {
        guard baseLr > 0, baseLr.isFinite else { throw ValidationError("--base-lr \(baseLr) is not allowed; use a positive number") }
        if let lrs {
            guard lrRule == nil else { throw ValidationError("--lrs and --lr-rule cannot be combined: give a list of rates, or a rule with --base-lr") }
            let list = lrs.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            let rates = try list.map { text -> Double in
                guard let rate = Double(text), rate > 0, rate.isFinite else {
                    throw ValidationError("--lrs: '\(text)' is not allowed; use a comma list of positive numbers, e.g. 0.01,0.05")
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
            var settings = StudySettings()
            settings.model = model
            settings.data = data
            settings.epochs = epochs
            settings.groups = groups
            settings.normPosition = normPosition.rawValue
            settings.trainLimit = trainLimit
            settings.testLimit = testLimit
            settings.processes = processes > 1 ? processes : nil
            let plan = StudyPlan(norms: try parsedNorms(), batchSizes: try parsedBatchSizes(), rule: try rule(), seedCount: seeds)
            let directory = out ?? Study.defaultPath(model: model)
            let executable = ChildProcess.currentExecutable

            var torchScript: String? = nil
            if withPytorch {
                guard let script = Self.findScript("torch_train.py", executable: executable) else {
                    throw TrainingError("--with-pytorch: scripts/torch_train.py not found (run from the repository)")
                }
                guard Self.python(has: "torch") else {
                    throw TrainingError("--with-pytorch needs PyTorch for /usr/bin/python3: apt-get install python3-torch")
                }
                torchScript = script
            }
            let cells = plan.cells
            let rateCount = cells.count / max(plan.norms.count * plan.batchSizes.count * plan.seedCount, 1)
            let counts = [counted(plan.norms.count, "norm"), counted(plan.batchSizes.count, "batch size"),
                          counted(rateCount, "learning rate"), counted(plan.seedCount, "seed")]
            print("study \(directory): \(counted(cells.count, "cell")) (\(counts.joined(separator: " × "))), \(counted(epochs, "epoch")) each")
            print("learning rate: \(plan.rule.description)")
            let runner = StudyRunner(settings: settings, plan: plan, directory: directory, threads: threadOptions.threads,
                                     executable: executable, torchScript: torchScript) { line in
                print(line)
                fflush(stdout)
            }
            // A study folder made with other settings is bad input (64); failures from here on are the work's (1).
            try runner.prepare()
            try runReportingErrors(status: ExitStatus.failure) { try compareRun(runner: runner, settings: settings, plan: plan, directory: directory, executable: executable) }
        }
    }

    /// Runs the cells, writes the results and the report, draws the plots.
    func compareRun(runner: StudyRunner, settings: StudySettings, plan: StudyPlan, directory: String, executable: String) throws {
        let results = try runner.run()
        let command = (["cnntrain"] + CommandLine.arguments.dropFirst()).map(Self.shellQuoted).joined(separator: " ")
        let slots = NormSlot.list(model: model, norms: plan.norms, groupCount: groups, position: normPosition.rawValue)
        let report = StudyReport(command: command, settings: settings, plan: plan, threads: threadOptions.threads, cells: results, normSlots: slots)
        try report.write(to: directory)
        print("")
        print(report.markdown)
        print("wrote \(directory)/results.csv, results.json, report.md")
        if !noPlots {
            drawPlots(directory: directory, executable: executable)
            // report.md links the plots that were drawn.
            var withPlots = report
            withPlots.plots = StudyReport.plotNames(in: directory)
            try withPlots.write(to: directory)
        }
        let failed = report.failedCells
        if !failed.isEmpty {
            throw TrainingError("\(failed.count) of \(results.count) cells failed: \(failed.map(\.id).joined(separator: ", ")) (reasons in \(directory)/report.md)")
        }
    }

    /// "1 seed", "3 seeds".
    func counted(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }

    func drawPlots(directory: String, executable: String) {
        guard let script = Self.findScript("plot_study.py", executable: executable) else {
            print("plots: scripts/plot_study.py not found; run it from the repository: /usr/bin/python3 scripts/plot_study.py \(directory)")
            return
        }
        let command = "/usr/bin/python3 \(Self.shellQuoted(script)) \(Self.shellQuoted(directory))"
        guard Self.python(has: "matplotlib") else {
            print("plots: /usr/bin/python3 has no matplotlib (apt-get install python3-matplotlib); then run: \(command)")
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script, directory]
        do {
            try process.run()
            process.waitUntilExit()
            if process.terminationStatus != 0 { print("plots: the plot script failed; run: \(command)") }
        } catch {
            print("plots: cannot run /usr/bin/python3 (\(error)); run: \(command)")
        }
    }

    /// scripts/<name> under the working directory, else beside the executable's repository (.build/…/cnntrain).
    static func findScript(_ name: String, executable: String) -> String? {
        var candidates = [FileManager.default.currentDirectoryPath + "/scripts/" + name]
        var folder = URL(fileURLWithPath: executable).deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(folder.appendingPathComponent("scripts/" + name).path)
            folder = folder.deletingLastPathComponent()
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }

    static func python(has module: String) -> Bool {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else { return false }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", "import \(module)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    static func shellQuoted(_ text: String) -> String {
        let safe = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_./,=:+@%"))
        if !text.isEmpty && text.unicodeScalars.allSatisfy(safe.contains) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
