import Foundation

/// Shows training progress: a live bar on a terminal, plain periodic lines in a log.
public final class ProgressPrinter {
    let isTerminal: Bool
    let quiet: Bool
    var lastDraw = Date.distantPast
    var lastLoggedFraction = -1.0

    public init(quiet: Bool = false) {
        self.isTerminal = isatty(STDERR_FILENO) != 0
        self.quiet = quiet
    }

    /// Called after every step.
    public func step(epoch: Int, epochs: Int, step: Int, steps: Int, loss: Double, accuracy: Double,
                     imagesPerSecond: Double, secondsLeft: Double) {
        if quiet { return }
        let fraction = Double(step) / Double(max(steps, 1))
        if isTerminal {
            let now = Date()
            guard now.timeIntervalSince(lastDraw) > 0.1 || step == steps else { return }
            lastDraw = now
            let width = 24, filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            let line = String(format: "\repoch %d/%d %@ %d/%d  loss %.4f  acc %5.1f%%  %.0f img/s  ETA %@ ",
                              epoch, epochs, bar, step, steps, loss, accuracy * 100, imagesPerSecond, Self.duration(secondsLeft))
            FileHandle.standardError.write(line.data(using: .utf8)!)
        } else if fraction - lastLoggedFraction >= 0.25 || step == steps {
            lastLoggedFraction = fraction
            log(String(format: "epoch %d/%d step %d/%d: train loss %.4f acc %.2f%% (%.0f img/s)",
                       epoch, epochs, step, steps, loss, accuracy * 100, imagesPerSecond))
        }
    }

    /// Called at the end of an epoch with its record.
    public func epochDone(_ record: EpochRecord, epochs: Int) {
        if quiet { return }
        if isTerminal { FileHandle.standardError.write("\r\u{1B}[K".data(using: .utf8)!) }
        lastLoggedFraction = -1
        log(String(format: "epoch %d/%d: train loss %.4f acc %.2f%% | test loss %.4f acc %.2f%% | %.1f s, %.0f img/s",
                   record.epoch, epochs, record.trainLoss, record.trainAccuracy * 100, record.testLoss,
                   record.testAccuracy * 100, record.seconds, record.imagesPerSecond))
    }

    public func log(_ message: String) {
        if quiet { return }
        FileHandle.standardError.write((message + "\n").data(using: .utf8)!)
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--:--" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
