/// The statistics of one set: mean μ = K + d and biased variance σ².
struct SetStatistics {
    /// A Float within rounding of μ: the centre subtracted from x before scaling.
    var center: Float
    /// μ − K, small; kept in Double.
    var offset: Double
    var variance: Double

    var mean: Double { Double(center) + offset }

    /// Mean and biased variance of `segmentCount` runs of `segmentLength` elements, the s-th run at
    /// `base + s·segmentStride`.
    ///
    /// Sums are taken around the set's first element, which keeps them small for data with a large
    /// common offset. When that element lies far from the mean (|μ − x₀|² > 8σ², where
    /// Σ(x−x₀)²/M − (Σ(x−x₀)/M)² would lose digits), a second pass over the (cached) set sums
    /// around the mean itself.
    static func of(_ base: UnsafePointer<Float>, segmentCount: Int, segmentLength: Int, segmentStride: Int)
        -> SetStatistics
    {
        let count = Double(segmentCount * segmentLength)
        func moments(around center: Float) -> (shift: Double, variance: Double) {
            var sum = 0.0, squares = 0.0
            for s in 0..<segmentCount {
                let m = NormKernels.shiftedMoments(base + s * segmentStride, segmentLength, center: center)
                sum += m.sum
                squares += m.squares
            }
            let shift = sum / count
            return (shift, max(squares / count - shift * shift, 0))
        }
        var center = base[0]
        var m = moments(around: center)
        if m.shift * m.shift > 8 * m.variance {
            let mean = Double(center) + m.shift
            center = Float(mean)
            m = moments(around: center)
        }
        let mean = Double(center) + m.shift
        let rounded = Float(mean)
        return SetStatistics(center: rounded, offset: mean - Double(rounded), variance: m.variance)
    }

    /// The statistics from sums Σ(x − x₀), Σ(x − x₀)² over `count` values taken around the set's
    /// first element x₀, or nil when x₀ lies so far from the mean that the set must be summed again
    /// around its mean (as `of` does).
    static func fromShiftedSums(center: Float, sum: Double, squares: Double, count: Int) -> SetStatistics? {
        let shift = sum / Double(count)
        let variance = max(squares / Double(count) - shift * shift, 0)
        if shift * shift > 8 * variance { return nil }
        let mean = Double(center) + shift
        let rounded = Float(mean)
        return SetStatistics(center: rounded, offset: mean - Double(rounded), variance: variance)
    }
}
