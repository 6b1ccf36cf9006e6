import ArgumentParser
import CNNNorms
import CNNTraining

/// `--norm` of info, `--norms` of compare and bench speed: a comma list of norm kinds, or `all`
/// (every `NormKind`, in `NormKind.comparisonOrder`: none first). The text is checked by `kinds(option:)`, so that the
/// message names the option that was given.
struct NormList: ExpressibleByArgument, CustomStringConvertible {
    var text: String

    init(_ text: String) { self.text = text }
    init?(argument: String) { text = argument }

    var description: String { text }
    static var all: NormList { NormList("all") }
    static var allowed: String { NormKind.comparisonOrder.map(\.rawValue).joined(separator: ", ") }

    /// The norms the text names, in its order; `all` is every kind.
    /// - Throws: `ValidationError` naming `option` when a name is unknown or repeated.
    func kinds(option: String) throws -> [NormKind] {
        if text == "all" { return NormKind.comparisonOrder }
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        let kinds = try names.map { name -> NormKind in
            guard let kind = NormKind(rawValue: name) else {
                throw ValidationError(
                    "\(option): '\(name)' is not allowed; use a comma list of \(Self.allowed), or all")
            }
            return kind
        }
        guard Set(kinds).count == kinds.count else { throw ValidationError("\(option) \(text) names a norm twice") }
        return kinds
    }
}
