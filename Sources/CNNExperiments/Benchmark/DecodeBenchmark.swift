import CNNCore
import CNNData
import Foundation

/// Decode throughput of image-folder trees (e.g. Fashion-MNIST exported as PNG and JPEG), on 1 and
/// 2 threads, decoding ("cold": no decode cache; the OS file cache is warm after the first pass)
/// and reading the decode cache. Returns a Markdown table. Missing roots are reported and skipped.
public func decodeBenchmarkReport(pngRoot: String?, jpegRoot: String?, threadCounts: [Int] = [1, 2]) -> String {
    var lines = [
        "| tree | images | threads | decode (images/s) | decode time (s) | from cache (images/s) | cache load (s) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    ]
    let cacheDirectory = NSTemporaryDirectory() + "cnntrain-bench-cache-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: cacheDirectory) }
    for (name, root) in [("PNG", pngRoot), ("JPEG", jpegRoot)] {
        guard let root else { continue }
        guard FileManager.default.fileExists(atPath: root) else {
            lines.append("| \(name) \(root) | missing | | | | | |"); continue
        }
        // Warm the OS file cache once, so that 1 and 2 threads compare decoding, not disk.
        _ = try? DatasetLoader.load(.imageFolder(root: root), options: LoadOptions(threads: 0))
        for threads in threadCounts {
            do {
                let start = monotonicNanoseconds()
                let cold = try DatasetLoader.load(
                    .imageFolder(root: root), options: LoadOptions(threads: threads, cacheDirectory: nil))
                let coldSeconds = seconds(since: start)
                let images = cold.train.count + cold.test.count
                _ = try DatasetLoader.load(
                    .imageFolder(root: root), options: LoadOptions(threads: threads, cacheDirectory: cacheDirectory))
                let cacheStart = monotonicNanoseconds()
                let cached = try DatasetLoader.load(
                    .imageFolder(root: root), options: LoadOptions(threads: threads, cacheDirectory: cacheDirectory))
                let cacheSeconds = seconds(since: cacheStart)
                precondition(cached.fromCache, "second load did not come from the cache")
                lines.append(
                    "| \(name) | \(images) | \(threads) | \(Int(Double(images) / coldSeconds)) | \(fixed(coldSeconds, digits: 3)) | "
                        + "\(Int(Double(images) / cacheSeconds)) | \(fixed(cacheSeconds, digits: 3)) |")
            } catch {
                lines.append("| \(name) \(root) | error: \(error) | | | | | |")
            }
        }
    }
    return lines.joined(separator: "\n")
}
