/// The figure of a study file's results (`figure.png`, error bars over seeds), drawn by
/// scripts/reports/study_figure.py when /usr/bin/python3 has matplotlib.
public enum StudyFigure {
    /// - Returns: nil when it was drawn, else a line that says why not and what to run.
    public static func draw(directory: String, executable: String) -> String? {
        PythonScripts.drawPlots("reports/study_figure.py", directory: directory, executable: executable)
    }
}
