import CNNExperiments
import CNNTraining

/// The child command lines of studies and speed comparisons, spelled with the options of this
/// tool and of the scripts: each child gets its settings as one typed JSON file.
struct CommandLineChildren: ChildCommands {
    /// This executable (cells and cnntrain probes run the same build).
    var executable: String
    /// The Python that runs the PyTorch scripts (`--python`, CNNTRAIN_PYTHON, else Debian's).
    var python = PythonInterpreter.defaultPath

    func train(configuration: String, runDirectory: String) -> ChildCommand {
        ChildCommand(
            program: executable, arguments: ["train", "--config", configuration, "--out", runDirectory, "--quiet"])
    }

    func speedProbe(configuration: String) -> ChildCommand {
        ChildCommand(program: executable, arguments: ["bench", "train", "--config", configuration, "--json"])
    }

    func torchTrain(script: String, configuration: String, result: String) -> ChildCommand {
        ChildCommand(
            program: python, arguments: [script, "--config", configuration, "--cnntrain", executable, "--json", result])
    }

    func torchSpeedProbe(script: String, configuration: String, memoryFormat: TorchMemoryFormat) -> ChildCommand {
        ChildCommand(
            program: python,
            arguments: [
                script, "--config", configuration, "--cnntrain", executable,
                "--memory-format", memoryFormat.rawValue
            ])
    }
}
