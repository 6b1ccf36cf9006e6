import Foundation

/// The figure of a study file's results (`figure.png`, error bars over seeds), drawn by
/// scripts/reports/study_figure.py when /usr/bin/python3 has matplotlib.
public enum StudyFigure {
    /// - Returns: nil when it was drawn, else a line that says why not and what to run.
    public static func draw(directory: String, executable: String) -> String? {
        guard let script = PythonScripts.find("reports/study_figure.py", executable: executable) else {
            return "figure: scripts/reports/study_figure.py not found; run it from the repository"
        }
        let command =
            "\(PythonScripts.interpreter) \(PythonScripts.shellQuoted(script)) \(PythonScripts.shellQuoted(directory))"
        guard PythonScripts.has(module: "matplotlib") else {
            return
                "figure: \(PythonScripts.interpreter) has no matplotlib (apt-get install python3-matplotlib); then run: \(command)"
        }
        do {
            return try PythonScripts.run(script, [directory]) == 0
                ? nil : "figure: the figure script failed; run: \(command)"
        } catch {
            return "figure: cannot run \(PythonScripts.interpreter) (\(error)); run: \(command)"
        }
    }
}
