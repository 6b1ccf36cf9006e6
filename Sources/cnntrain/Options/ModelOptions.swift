import ArgumentParser
import CNNModels
import CNNNorms
import CNNTraining

/// `--model`, `--groups`, `--norm-position`: which model, and how its norm slots are filled;
/// `--activation`, `--dropout`, `--conv-bias`, `--init-gain`: what changes in every layer of a kind
/// (train, info, compare, bench train). Optional, so that a command can tell which were given;
/// the defaults are TrainingOptions()'s.
struct ModelOptions: ParsableArguments {
    @Option(help: OptionHelp.model)
    var model: String?
    @Option(help: OptionHelp.groups)
    var groups: Int?
    @Option(help: OptionHelp.normPosition)
    var normPosition: NormPosition?
    @Option(
        help: ArgumentHelp(
            "Replace every activation layer of the model with this one: \(ModelOverrides.activationKeywords.joined(separator: ", ")). Default: the model file's.",
            valueName: "name"))
    var activation: String?
    @Option(
        help: ArgumentHelp(
            "Probability of every dropout layer of the model (0 ≤ P < 1). Default: the model file's.", valueName: "p"))
    var dropout: Float?
    @Option(
        help: ArgumentHelp(
            "yes: every conv layer has a bias; no: none has. Default: a conv in front of a norm has none (the norm's β replaces it), the others have one.",
            valueName: "yes|no"),
        transform: ModelOptions.yesNo)
    var convBias: Bool?
    @Option(
        help: ArgumentHelp(
            "Multiply every conv and linear weight by G after PyTorch's default initialization (biases and norm parameters unchanged; a new run only). Default: 1.",
            valueName: "g"))
    var initGain: Float?

    func validate() throws {
        var options = TrainingOptions()
        apply(to: &options)
        try options.validateForCommandLine()
    }

    /// Sets the options that were given.
    func apply(to options: inout TrainingOptions) {
        if let model { options.model = model }
        if let groups { options.groups = groups }
        if let normPosition { options.normPosition = normPosition }
        if let activation { options.activation = activation }
        if let dropout { options.dropout = dropout }
        if let convBias { options.convBias = convBias }
        if let initGain { options.initGain = initGain }
    }

    /// The defaults with the given options applied.
    var resolved: TrainingOptions {
        var options = TrainingOptions()
        apply(to: &options)
        return options
    }

    var given: [String] {
        [
            ("--model", model != nil), ("--groups", groups != nil), ("--norm-position", normPosition != nil),
            ("--activation", activation != nil), ("--dropout", dropout != nil), ("--conv-bias", convBias != nil),
            ("--init-gain", initGain != nil)
        ].filter(\.1).map(\.0)
    }

    /// `--conv-bias yes|no`.
    static func yesNo(_ text: String) throws -> Bool {
        switch text.lowercased() {
        case "yes", "true": return true
        case "no", "false": return false
        default: throw ValidationError("--conv-bias \(text) is not allowed; use yes or no")
        }
    }
}

/// `--norm`: the one norm of a run (train, bench train).
struct NormOption: ParsableArguments {
    @Option(help: OptionHelp.norm)
    var norm: NormKind?

    func apply(to options: inout TrainingOptions) {
        if let norm { options.norm = norm }
    }

    var given: [String] { norm == nil ? [] : ["--norm"] }
}
