import ArgumentParser
import CNNExperiments
import CNNTraining
import Foundation

/// `cnntrain study studies/NAME.json …`: runs the repository's study files (the course notes'
/// claims, measured), each into `studies/NAME/`, resuming where it stopped.
struct StudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract:
            "Run study files (studies/*.json: a grid, a recipe and seeds) into studies/<name>/, resuming where they stopped.",
        discussion: """
            A study file names its norms, batch sizes, learning-rate rule, further grid axes (any run option by its config.json key: dropout, convBias, normPosition, initGain, activation, steps, …), the recipe every cell shares, and the number of seeds. Each cell is a `cnntrain train` process writing studies/<name>/cells/<id>/; cells that finished are kept, so the same command goes on after an interruption. Writes studies/<name>/results.csv, results.json and report.md (mean ± standard deviation over seeds), then draws studies/<name>/figure.png with scripts/reports/study_figure.py (error bars: 95% intervals) when /usr/bin/python3 has matplotlib.

            Exit status: 0 when every cell of every study succeeded; 1 when a cell failed (the others and the files are still written); 64 on a bad study file or option; 130 (143) when Ctrl-C (SIGTERM) stopped it.

            Example: cnntrain study studies/sigmoid.json studies/conv-bias.json
            """)

    @Argument(help: "Study files (studies/*.json).")
    var files: [String]
    @OptionGroup var threadOptions: ThreadOptions
    @Flag(help: "List each study's cells and how many have finished; run nothing.")
    var list = false
    @Flag(help: "Do not draw the figure at the end.")
    var noPlots = false

    func run() throws {
        StopRequest.install()
        let executable = ChildProcess.currentExecutable
        // Bad input (64): every file, and every study folder's settings, is checked before any cell runs.
        var runners: [(path: String, title: String, runner: StudyRunner)] = []
        try runReportingErrors {
            for path in files {
                let definition = try StudyDefinition.load(path)
                let runner = StudyRunner(
                    settings: try definition.settings(), plan: try definition.plan(),
                    directory: StudyDefinition.directory(of: path), threads: threadOptions.threads,
                    commands: CommandLineChildren(executable: executable)
                ) { line in
                    print(line)
                    fflush(stdout)
                }
                if !list { try runner.prepare() }
                runners.append((path, definition.title, runner))
            }
        }
        // Failures during the work (1): a failed cell does not stop the next study.
        var failures: [String] = []
        try runReportingErrors(status: ExitStatus.failure) {
            for (path, title, runner) in runners {
                print("\(title)\n" + runner.plan.summary(directory: runner.directory, epochs: runner.settings.epochs))
                if list {
                    let finished = runner.plan.cells.filter {
                        FileManager.default.fileExists(atPath: runner.cellDirectory($0) + "/summary.json")
                    }
                    print("\(finished.count) of \(runner.plan.cells.count) cells finished\n")
                    continue
                }
                do {
                    try runner.runAndReport(
                        command: "cnntrain study \(path)",
                        drawPlots: noPlots ? nil : { StudyFigure.draw(directory: $0, executable: executable) })
                } catch let error as TrainingError {
                    failures.append("\(path): \(error)")
                }
            }
        }
        if !failures.isEmpty {
            for failure in failures { FileHandle.standardError.write("error: \(failure)\n".data(using: .utf8)!) }
            throw ExitCode(ExitStatus.failure)
        }
    }
}
