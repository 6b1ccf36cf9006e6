import Foundation

extension LearningRateSchedule.Decay: Codable, CustomStringConvertible {
    /// Reads a decay from its text: "constant", "step:EPOCHS:GAMMA" (EPOCHS ≥ 1, GAMMA > 0),
    /// "cosine" or "cosine:FLOOR" (0 ≤ FLOOR ≤ 1, a fraction of the base rate).
    /// - Throws: `ScheduleError` saying what is allowed.
    public init(parsing decayText: String) throws {
        let parts = decayText.lowercased().split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let allowed = LearningRateSchedule.allowedDecays
        switch (parts[0], parts.count) {
        case ("constant", 1):
            self = .constant
        case ("step", 3):
            guard let epochs = Int(parts[1]), epochs >= 1 else {
                throw ScheduleError("schedule \"\(decayText)\": EPOCHS must be an integer ≥ 1; allowed: \(allowed)")
            }
            guard let gamma = Float(parts[2]), gamma > 0, gamma.isFinite else {
                throw ScheduleError("schedule \"\(decayText)\": GAMMA must be a number > 0; allowed: \(allowed)")
            }
            self = .step(epochCount: epochs, gamma: gamma)
        case ("cosine", 1):
            self = .cosine(floor: 0)
        case ("cosine", 2):
            guard let floor = Float(parts[1]), (0...1).contains(floor) else {
                throw ScheduleError("schedule \"\(decayText)\": FLOOR must be a number in [0, 1]; allowed: \(allowed)")
            }
            self = .cosine(floor: floor)
        default:
            throw ScheduleError("unknown schedule \"\(decayText)\"; allowed: \(allowed)")
        }
    }

    /// The text form `init(parsing:)` reads: "constant", "step:3:0.1", "cosine" or "cosine:0.01".
    public var name: String {
        switch self {
        case .constant: return "constant"
        case .step(let epochCount, let gamma): return "step:\(epochCount):\(gamma)"
        case .cosine(let floor): return floor == 0 ? "cosine" : "cosine:\(floor)"
        }
    }

    public var description: String { name }

    /// Checks a decay made in code as `init(parsing:)` checks text (its name must read back as itself).
    public func validate() throws {
        _ = try Self(parsing: name)
    }

    /// Codes as its text, as `config.json` always has ("cosine", "step:3:0.1").
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try Self(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(error)")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}
