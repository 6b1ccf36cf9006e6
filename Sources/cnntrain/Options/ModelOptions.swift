import ArgumentParser
import CNNModels
import CNNNorms
import CNNTraining

/// `--model`, `--groups`, `--norm-position`: which model, and how its norm slots are filled
/// (train, info, compare, bench train). Optional, so that a command can tell which were given;
/// the defaults are TrainingOptions()'s.
struct ModelOptions: ParsableArguments {
    @Option(help: OptionHelp.model)
    var model: String?
    @Option(help: OptionHelp.groups)
    var groups: Int?
    @Option(help: OptionHelp.normPosition)
    var normPosition: NormPosition?

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
    }

    /// The defaults with the given options applied.
    var resolved: TrainingOptions {
        var options = TrainingOptions()
        apply(to: &options)
        return options
    }

    var given: [String] {
        [("--model", model != nil), ("--groups", groups != nil), ("--norm-position", normPosition != nil)].filter(\.1)
            .map(\.0)
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
