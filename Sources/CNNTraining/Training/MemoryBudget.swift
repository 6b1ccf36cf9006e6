import CNNLayers
import CNNModels
import Foundation

/// Checks, before training, that one batch's activations and gradients fit in the memory this
/// process may use, so that a `--batch-size` too large for the machine is an error naming the
/// option, not an allocation failure with a backtrace in the first step.
///
/// The estimate: every layer keeps its output and the gradient of its output, about two floats per
/// output element of each layer, per image, plus copies of the batch itself. Measured on smallcnn
/// (peak resident memory of `--batch-size 1000` and `2000` runs, 2026-11-29): 1.87 MiB more per
/// image, against 1.84 MiB estimated; a tenth of the available memory is kept in reserve.
public enum MemoryBudget {
    /// Floats kept per output element of a layer while training (its output and its gradient).
    static let floatsPerOutputElement = 2

    /// Bytes one training image costs in the layers of `report` (input shape `inputShape`).
    public static func bytesPerTrainingImage(report: ModelReport, inputShape: [Int]) -> Int {
        let outputs = report.rows.reduce(0) { $0 + $1.outputShape.reduce(1, *) }
        let input = inputShape.reduce(1, *)
        return MemoryLayout<Float>.size * (floatsPerOutputElement * outputs + 4 * input)
    }

    /// The memory this process may still use: MemAvailable, lowered to the room left under the
    /// cgroup's limit (a container's `memory.max`) when there is one.
    /// `CNNTRAIN_TEST_MEMORY_AVAILABLE` (bytes) replaces the measurement in tests.
    public static func availableBytes() -> Int? {
        if let text = ProcessInfo.processInfo.environment["CNNTRAIN_TEST_MEMORY_AVAILABLE"], let bytes = Int(text) {
            return bytes
        }
        var candidates: [Int] = []
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        {
            candidates.append(kilobytes * 1024)
        }
        if let room = cgroupRoom() { candidates.append(room) }
        return candidates.min()
    }

    /// Limit minus usage of this process's memory cgroup (v2, else v1); nil without a limit.
    static func cgroupRoom() -> Int? {
        func number(_ path: String) -> Int? {
            (try? String(contentsOfFile: path, encoding: .utf8)).flatMap {
                Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        // cgroup v2: "0::/some/group" in /proc/self/cgroup.
        let group =
            (try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("0::") }.map { String($0.dropFirst(3)) } ?? "/"
        for folder in ["/sys/fs/cgroup" + group, "/sys/fs/cgroup"] {
            if let limit = number(folder + "/memory.max"), let used = number(folder + "/memory.current") {
                return max(0, limit - used)
            }
        }
        if let limit = number("/sys/fs/cgroup/memory/memory.limit_in_bytes"), limit < 1 << 60,
            let used = number("/sys/fs/cgroup/memory/memory.usage_in_bytes")
        {
            return max(0, limit - used)
        }
        return nil
    }

    /// Throws when `batchSize` images need more than the available memory, naming the largest batch that fits.
    public static func check(batchSize: Int, bytesPerImage: Int, available: Int?) throws {
        guard let available else { return }
        // A tenth of what is free is left for the model, the optimizer, evaluation and the rest.
        let usable = available - available / 10
        let needed = batchSize.multipliedReportingOverflow(by: bytesPerImage)
        guard needed.overflow || needed.partialValue > usable else { return }
        let fits = max(0, usable / max(bytesPerImage, 1))
        let neededText = needed.overflow ? "more than \(gigabytes(Int.max))" : "about \(gigabytes(needed.partialValue))"
        let advice = fits >= 1 ? "use --batch-size \(fits) or less" : "not even one image fits; free some memory"
        throw TrainingError(
            "--batch-size \(batchSize) needs \(neededText) for its activations and gradients (\(megabytes(bytesPerImage)) per image), but only \(gigabytes(available)) of memory is available; \(advice)"
        )
    }

    static func gigabytes(_ bytes: Int) -> String { String(format: "%.1f GB", Double(bytes) / 1_073_741_824) }
    static func megabytes(_ bytes: Int) -> String { String(format: "%.2f MB", Double(bytes) / 1_048_576) }
}
