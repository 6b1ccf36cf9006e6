import CNNTraining
import Foundation

/// The plots of a study (scripts/reports/plot_study.py, when /usr/bin/python3 has matplotlib).
public enum StudyPlots {
    /// Draws the plots of the study in `directory`.
    /// - Returns: nil when they were drawn, else a line that says why not and what to run.
    public static func draw(directory: String, executable: String) -> String? {
        guard let script = PythonScripts.find("reports/plot_study.py", executable: executable) else {
            return
                "plots: scripts/reports/plot_study.py not found; run it from the repository: \(PythonScripts.interpreter) scripts/reports/plot_study.py \(directory)"
        }
        let command =
            "\(PythonScripts.interpreter) \(PythonScripts.shellQuoted(script)) \(PythonScripts.shellQuoted(directory))"
        guard PythonScripts.has(module: "matplotlib") else {
            return
                "plots: \(PythonScripts.interpreter) has no matplotlib (apt-get install python3-matplotlib); then run: \(command)"
        }
        do {
            return try PythonScripts.run(script, [directory]) == 0
                ? nil : "plots: the plot script failed; run: \(command)"
        } catch {
            return "plots: cannot run \(PythonScripts.interpreter) (\(error)); run: \(command)"
        }
    }
}
