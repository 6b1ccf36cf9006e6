import CNNTraining
import Foundation

/// Which Python runs the PyTorch scripts (`bench speed`, `compare --with-pytorch`): `--python PATH`,
/// else `CNNTRAIN_PYTHON`, else Debian's `/usr/bin/python3` (PyTorch 1.13 from python3-torch).
/// `scripts/setup_torch_venv.sh` makes `.venv-torch/bin/python` with the current PyTorch.
public enum PythonInterpreter {
    public static let environmentVariable = "CNNTRAIN_PYTHON"
    public static let systemPath = "/usr/bin/python3"

    /// `CNNTRAIN_PYTHON` when set and not empty, else /usr/bin/python3.
    public static var defaultPath: String {
        if let path = ProcessInfo.processInfo.environment[environmentVariable], !path.isEmpty { return path }
        return systemPath
    }

    /// The option's value when given, else `defaultPath`.
    public static func resolve(_ option: String?) -> String { option ?? defaultPath }

    /// Whether `python` runs and can import `module`.
    public static func has(_ module: String, python: String) -> Bool {
        guard FileManager.default.isExecutableFile(atPath: python) else { return false }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", "import \(module)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}

/// The tensor layout PyTorch is measured in (`scripts/pytorch/torch_bench.py --memory-format`): NCHW as
/// cnntrain, or `channels_last` (NHWC in memory), which oneDNN often runs faster.
public enum TorchMemoryFormat: String, CaseIterable, Codable, Sendable {
    case contiguous
    case channelsLast = "channels_last"
}
