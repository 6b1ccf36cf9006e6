import CNNNorms
import CNNTraining

extension NormKind {
    /// Every kind, in the order of comparison tables (`--norm all`, `--norms all`): the baseline
    /// `none` first, then the norms in `allCases` order.
    public static var comparisonOrder: [NormKind] { [.none] + allCases.filter { $0 != .none } }
}
