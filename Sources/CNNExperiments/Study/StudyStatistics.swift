/// Mean and spread of one measurement over a study's seeds.
public struct MeanAndDeviation: Codable, Equatable, Sendable {
    public var mean: Double
    /// Sample standard deviation (divides by n − 1, as `numpy.std(ddof=1)`); 0 for a single value.
    public var standardDeviation: Double
    public var count: Int

    /// nil for no values.
    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        count = values.count
        mean = values.reduce(0, +) / Double(values.count)
        let m = mean
        standardDeviation =
            values.count < 2
            ? 0
            : (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)).squareRoot()
    }
}
