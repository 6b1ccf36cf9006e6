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
    public func step(
        epoch: Int, epochs: Int, step: Int, steps: Int, loss: Double, accuracy: Double,
        imagesPerSecond: Double, secondsLeft: Double
    ) {
        if quiet { return }
        let fraction = Double(step) / Double(max(steps, 1))
        if isTerminal {
            let now = Date()
            guard now.timeIntervalSince(lastDraw) > 0.1 || step == steps else { return }
            lastDraw = now
            let line = Self.barLine(
                epoch: epoch, epochs: epochs, step: step, steps: steps, loss: loss, accuracy: accuracy,
                imagesPerSecond: imagesPerSecond, secondsLeft: secondsLeft, columns: Self.terminalColumns())
            FileHandle.standardError.write(("\r" + line + "\u{1B}[K").data(using: .utf8)!)
        } else if fraction - lastLoggedFraction >= 0.25 || step == steps {
            lastLoggedFraction = fraction
            log(
                String(
                    format: "epoch %d/%d step %d/%d: train loss %.4f acc %.2f%% (%.0f img/s)",
                    epoch, epochs, step, steps, loss, accuracy * 100, imagesPerSecond))
        }
    }

    /// The live bar, fitted to `columns`: at most `columns − 1` characters (a line that fills the
    /// last column wraps on some terminals), so it redraws in place. The bar shrinks first (24 cells
    /// down to 5), then the ETA, images/s and accuracy are left out, in that order.
    public static func barLine(
        epoch: Int, epochs: Int, step: Int, steps: Int, loss: Double, accuracy: Double,
        imagesPerSecond: Double, secondsLeft: Double, columns: Int
    ) -> String {
        let room = max(columns - 1, 1)
        let fraction = Double(step) / Double(max(steps, 1))
        let head = "epoch \(epoch)/\(epochs)", count = "\(step)/\(steps)"
        var fields = [
            String(format: "loss %.4f", loss), String(format: "acc %5.1f%%", accuracy * 100),
            String(format: "%.0f img/s", imagesPerSecond), "ETA " + duration(secondsLeft)
        ]
        while true {
            let text = fields.joined(separator: "  ")
            let fixed = head.count + 1 + 1 + count.count + 2 + text.count  // "head bar count  fields"
            let barWidth = min(24, room - fixed)
            if barWidth >= 5 || fields.count == 1 {
                guard barWidth >= 1 else { return String((head + " " + count + "  " + text).prefix(room)) }
                let filled = Int(fraction * Double(barWidth))
                let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: barWidth - filled)
                return String((head + " " + bar + " " + count + "  " + text).prefix(room))
            }
            fields.removeLast()
        }
    }

    /// The terminal's width (TIOCGWINSZ on stderr), else $COLUMNS, else 80.
    static func terminalColumns() -> Int {
        var size = winsize()
        if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let text = ProcessInfo.processInfo.environment["COLUMNS"], let columns = Int(text), columns > 0 {
            return columns
        }
        return 80
    }

    /// Clears the live bar (before a message that ends the run).
    public func clearLine() {
        if isTerminal && !quiet { FileHandle.standardError.write("\r\u{1B}[K".data(using: .utf8)!) }
    }

    /// Called at the end of an epoch with its record.
    public func epochDone(_ record: EpochRecord, epochs: Int) {
        if quiet { return }
        if isTerminal { FileHandle.standardError.write("\r\u{1B}[K".data(using: .utf8)!) }
        lastLoggedFraction = -1
        log(Self.epochLine(record, epochs: epochs))
    }

    /// "epoch 2/10: train loss 0.3121 acc 88.61% (eval mode 90.12%) | test loss …": the train-eval
    /// subset's accuracy, when measured, beside the running training accuracy.
    public static func epochLine(_ record: EpochRecord, epochs: Int) -> String {
        let trainEval = record.trainEvalAccuracy.map { String(format: " (eval mode %.2f%%)", $0 * 100) } ?? ""
        return String(
            format: "epoch %d/%d: train loss %.4f acc %.2f%%", record.epoch, epochs, record.trainLoss,
            record.trainAccuracy * 100) + trainEval
            + String(
                format: " | test loss %.4f acc %.2f%% | %.1f s, %.0f img/s", record.testLoss, record.testAccuracy * 100,
                record.seconds, record.imagesPerSecond)
    }

    public func log(_ message: String) {
        if quiet { return }
        FileHandle.standardError.write((message + "\n").data(using: .utf8)!)
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--:--" }
        let s = Int(seconds.rounded())
        return s >= 3600
            ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
