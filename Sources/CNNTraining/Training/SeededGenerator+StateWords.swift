import CNNCore

extension SeededGenerator {
    public var stateWords: [UInt64] { [state.0, state.1, state.2, state.3] }
    public init(state words: [UInt64]) {
        precondition(words.count == 4, "a generator state has four words")
        self.init(state: (words[0], words[1], words[2], words[3]))
    }
}
