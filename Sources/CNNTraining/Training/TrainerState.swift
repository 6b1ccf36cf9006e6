import CNNCore

/// Where training stands; saved in checkpoints so `--resume` continues exactly.
public struct TrainerState: Codable, Equatable, Sendable {
    public var completedEpochs = 0
    public var globalStep = 0
    public var shuffleGeneratorState: [UInt64]
    public var history: [EpochRecord] = []

    public init(seed: UInt64) {
        // The shuffling stream is separate from the initialization stream (seed + 1 ≠ seed).
        shuffleGeneratorState = SeededGenerator(seed: seed &+ 0x5348_5546).stateWords
    }
}
