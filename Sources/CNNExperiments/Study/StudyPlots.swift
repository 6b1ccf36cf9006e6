/// The plots of a `compare` study (scripts/reports/plot_study.py, when /usr/bin/python3 has matplotlib).
public enum StudyPlots {
    /// Draws the plots of the study in `directory`.
    /// - Returns: nil when they were drawn, else a line that says why not and what to run.
    public static func draw(directory: String, executable: String) -> String? {
        PythonScripts.drawPlots("reports/plot_study.py", directory: directory, executable: executable)
    }
}
