/// A program and its arguments.
public struct ChildCommand: Equatable, Sendable {
    public var program: String
    public var arguments: [String]
    public init(program: String, arguments: [String]) { self.program = program; self.arguments = arguments }
}

/// The command lines of the child processes that studies and speed comparisons start.
///
/// The command-line tool makes them: it owns the spelling of its options (and of the scripts'), so
/// the library hands every child its settings only as a typed JSON file (`TrainingOptions`,
/// `SpeedProbe.Settings`), and a renamed option cannot break a study at run time.
public protocol ChildCommands: Sendable {
    /// cnntrain training the run of `configuration` (a TrainingOptions file) into `runDirectory`, quietly.
    func train(configuration: String, runDirectory: String) -> ChildCommand
    /// cnntrain measuring `configuration` (a SpeedProbe.Settings file), printing one JSON line.
    func speedProbe(configuration: String) -> ChildCommand
    /// `script` (scripts/pytorch/torch_train.py) training `configuration`'s run with PyTorch, its result
    /// written as JSON to `result`.
    func torchTrain(script: String, configuration: String, result: String) -> ChildCommand
    /// `script` (scripts/pytorch/torch_bench.py) measuring `configuration` with PyTorch in `memoryFormat`,
    /// printing one JSON line.
    func torchSpeedProbe(script: String, configuration: String, memoryFormat: TorchMemoryFormat) -> ChildCommand
}
