import Foundation
import XCTest

/// The system Python that the tests beside PyTorch run (scripts/pytorch/…, scripts/reports/…):
/// one place for its path, the skip when it or torch is missing, and running it.
public enum Python {
    public static let path = "/usr/bin/python3"

    /// Skips the calling test when /usr/bin/python3 is missing.
    public static func require() throws {
        guard FileManager.default.isExecutableFile(atPath: path) else { throw XCTSkip("no \(path)") }
    }

    /// Skips the calling test when /usr/bin/python3 is missing or cannot import torch; `purpose`
    /// says what is then left unchecked.
    public static func requireTorch(_ purpose: String? = nil) throws {
        let what = purpose.map { ": cannot check \($0)" } ?? ""
        guard FileManager.default.isExecutableFile(atPath: path) else { throw XCTSkip("no \(path)\(what)") }
        guard try run(["-c", "import torch"]).status == 0 else {
            throw XCTSkip("python3-torch is not installed (scripts/setup.sh --with-torch)\(what)")
        }
    }

    /// Runs /usr/bin/python3 with `arguments` in `directory` (the repository root by default), with
    /// `input` as its standard input (none by default), and waits for it.
    public static func run(_ arguments: [String], in directory: URL? = nil, input: Data? = nil) throws -> (
        status: Int32, output: String, error: String
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.currentDirectoryURL = directory ?? Fixtures.repositoryRoot
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let inputPipe = input.map { _ in Pipe() }
        if let inputPipe { process.standardInput = inputPipe }
        try process.run()
        if let input, let writing = inputPipe?.fileHandleForWriting {
            // Written on another thread: the reply may fill its pipe before the input is read whole.
            DispatchQueue.global().async {
                writing.write(input)
                try? writing.close()
            }
        }
        // Standard error on another thread, so that neither pipe can fill up and block the child.
        let errorText = ReadBox()
        let errorRead = DispatchGroup(), errorHandle = errors.fileHandleForReading
        DispatchQueue.global().async(group: errorRead) { errorText.data = errorHandle.readDataToEndOfFile() }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        errorRead.wait()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: outputData, as: UTF8.self),
            String(decoding: errorText.data, as: UTF8.self)
        )
    }
}

extension Python {
    /// Runs scripts/pytorch/torch_check_checkpoint.py on a checkpoint: it builds the nn.Sequential
    /// from the checkpoint's model metadata, loads the state_dict with strict=True and prints the
    /// test accuracy over the first `testLimit` test images.
    public static func checkCheckpoint(_ checkpoint: String, testLimit: Int) throws -> (
        status: Int32, output: String, error: String
    ) {
        try run([
            Fixtures.repositoryRoot.path + "/scripts/pytorch/torch_check_checkpoint.py", checkpoint, "--test-limit",
            String(testLimit)
        ])
    }

    /// The "accuracy 12.34%" phrase of a report (cnntrain eval's or torch_check_checkpoint.py's).
    public static func accuracy(in text: String) -> String? {
        text.range(of: #"accuracy [0-9.]+%"#, options: .regularExpression).map { String(text[$0]) }
    }
}

/// What one thread reads for another; the DispatchGroup wait orders the write before the read.
private final class ReadBox: @unchecked Sendable {
    var data = Data()
}
