import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The signal (SIGINT from Ctrl-C, SIGTERM from `kill`) that asked the run to stop; 0 while none did.
/// Written by the signal handler, read by the trainer between steps. A plain global (not a static
/// property, whose lazy initializer a handler must not run) holding a word-sized integer.
nonisolated(unsafe) var receivedStopSignal: Int32 = 0

/// Ctrl-C and SIGTERM stop a run cleanly: the handler only records the signal; the trainer checks it
/// between steps, keeps the last checkpoint, says how to `--resume`, and the process exits with
/// 128 + the signal (130, 143), as shells do. A second signal ends the process at once.
public enum StopRequest {
    public static func install() {
        receivedStopSignal = 0
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber) { number in
                if receivedStopSignal != 0 {
                    signal(number, SIG_DFL)
                    raise(number)
                }
                receivedStopSignal = number
            }
        }
    }

    /// The signal received since `install`, or nil.
    public static var received: Int32? { receivedStopSignal == 0 ? nil : receivedStopSignal }
}

/// A run stopped by SIGINT or SIGTERM between two steps; its message says what was kept.
public struct TrainingInterrupted: Error, CustomStringConvertible {
    public let signal: Int32
    public let description: String
    /// 128 + the signal: 130 for SIGINT, 143 for SIGTERM.
    public var exitStatus: Int32 { 128 + signal }

    package init(signal: Int32, message: String) {
        self.signal = signal
        description = message
    }

    /// "SIGINT (Ctrl-C)", "SIGTERM".
    package static func name(_ signal: Int32) -> String {
        signal == SIGINT ? "SIGINT (Ctrl-C)" : signal == SIGTERM ? "SIGTERM" : "signal \(signal)"
    }

    init(signal: Int32, epoch: Int, epochs: Int, step: Int, steps: Int, completedEpochs: Int, run: RunDirectory) {
        self.signal = signal
        let name = Self.name(signal)
        let kept =
            completedEpochs > 0
            ? "The checkpoint of epoch \(completedEpochs) is kept: \(run.checkpointPath). Continue the run with: cnntrain --resume \(run.path)"
            : "No epoch had finished, so there is no checkpoint yet; `cnntrain --resume \(run.path)` starts this run again from the beginning"
        description = "stopped by \(name) in epoch \(epoch)/\(epochs) at step \(step)/\(steps). \(kept)"
    }
}
