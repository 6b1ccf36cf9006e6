/// One key a model-file line takes, in the one vocabulary that the model file, the JSON of
/// `LayerSpec` and the Swift initializers share (`outputChannels`, `kernelSize`, `padding`, …).
///
/// Model files written before that vocabulary used Darknet's spellings (`filters`, `size`, `pad`,
/// `out`, `p`); those still read, as `formerNames`, so that no existing file breaks. Messages use
/// the name the line was written with.
struct ArgumentKey: Sendable {
    let name: String
    let formerNames: [String]
    /// A value for "needs name=… (for example name=3)".
    let example: String

    init(_ name: String, formerly formerNames: [String] = [], example: String = "3") {
        self.name = name
        self.formerNames = formerNames
        self.example = example
    }

    /// Every spelling as `ModelFile` stores keys (lower case).
    var spellings: [String] { ([name] + formerNames).map { $0.lowercased() } }
}
