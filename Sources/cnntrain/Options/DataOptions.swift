import ArgumentParser
import CNNTraining

/// `--data` and how it is read: limits, validation split, strictness, cache (train, compare).
struct DataOptions: ParsableArguments {
    @Option(help: OptionHelp.data)
    var data: String?
    @Option(help: OptionHelp.trainLimit)
    var trainLimit: Int?
    @Option(help: OptionHelp.testLimit)
    var testLimit: Int?
    @Option(
        help:
            "Validation fraction split off (seeded by --seed) an ImageFolder tree that has no test/ or val/ folder. Default: 0.1."
    )
    var validationFraction: Double?
    @Flag(help: "Stop on the first unreadable image instead of skipping it with a warning.")
    var strict = false
    @Flag(help: "Do not cache decoded ImageFolder trees (cache: $CNNTRAIN_CACHE or ~/.cache/cnntrain).")
    var noCache = false

    func validate() throws {
        var options = TrainingOptions()
        apply(to: &options)
        try options.validateForCommandLine()
    }

    /// Sets the options that were given (the flags only turn their setting on).
    func apply(to options: inout TrainingOptions) {
        if let data { options.data = data }
        if let trainLimit { options.trainLimit = trainLimit }
        if let testLimit { options.testLimit = testLimit }
        if let validationFraction { options.validationFraction = validationFraction }
        if strict { options.strict = true }
        if noCache { options.cache = false }
    }

    var given: [String] {
        [
            ("--data", data != nil), ("--strict", strict), ("--train-limit", trainLimit != nil),
            ("--test-limit", testLimit != nil),
            ("--validation-fraction", validationFraction != nil), ("--no-cache", noCache)
        ]
        .filter(\.1).map(\.0)
    }
}
