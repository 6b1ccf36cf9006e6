import CNNTraining
import Foundation

extension StudyRunner {
    /// Runs (or keeps) every cell, then writes results.csv, results.json and report.md into the
    /// study folder, draws its plots with `drawPlots` (nil: none) and links them from report.md.
    /// - Parameters:
    ///   - command: the command line that made the study, for the report and for rerunning it.
    ///   - drawPlots: draws the plots of a study folder; returns nil when they were drawn, else
    ///     a line saying why not.
    /// - Throws: `TrainingError` naming the failed cells when any failed (the files are written first).
    @discardableResult
    public func runAndReport(command: String, drawPlots: ((String) -> String?)?) throws -> StudyReport {
        let results = try run()
        let slots = NormSlotParameters.list(
            model: settings.model, norms: plan.norms, groupCount: settings.groups, position: settings.normPosition,
            overrides: settings.modelOverrides)
        var report = StudyReport(
            command: command, settings: settings, plan: plan, threads: threads, cells: results, normSlots: slots)
        try report.write(to: directory)
        log("")
        log(report.markdown)
        log("wrote \(directory)/results.csv, results.json, report.md")
        if let drawPlots {
            if let problem = drawPlots(directory) { log(problem) }
            // report.md links the plots that were drawn.
            report.plots = StudyReport.plotNames(in: directory)
            try report.write(to: directory)
        }
        let failed = report.failedCells
        if !failed.isEmpty {
            throw TrainingError(
                "\(failed.count) of \(results.count) cells failed: \(failed.map(\.id).joined(separator: ", ")) (reasons in \(directory)/report.md)"
            )
        }
        return report
    }
}
