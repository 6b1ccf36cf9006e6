import CNNCore

// Timing and number formatting shared by the benchmarks, the speed probe and the speed comparison,
// on CNNCore's `monotonicNanoseconds()` (the profiler's clock).

/// Seconds since `start`, a reading of `monotonicNanoseconds()`.
func seconds(since start: UInt64) -> Double { Double(monotonicNanoseconds() - start) / 1e9 }

/// The time one run of `body` takes, in seconds.
func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = monotonicNanoseconds()
    try body()
    return seconds(since: start)
}

/// The time one run of `body` takes, in milliseconds.
func milliseconds(_ body: () throws -> Void) rethrows -> Double { try 1000 * seconds(body) }

/// The median of `values` (the mean of the middle two for an even count); 0 when empty.
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// `value` with `digits` decimals, rounded half away from zero ("12.30" for 12.3 with 2 digits).
func fixed(_ value: Double, digits: Int) -> String {
    guard value.isFinite else { return "\(value)" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    let whole = Int(scaled / scale), fraction = Int(scaled - Double(whole) * scale)
    var text = (value < 0 && scaled > 0 ? "-" : "") + String(whole)
    if digits > 0 {
        let digitsText = String(fraction)
        text += "." + String(repeating: "0", count: digits - digitsText.count) + digitsText
    }
    return text
}
