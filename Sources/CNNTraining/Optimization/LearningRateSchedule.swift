import Foundation

/// The learning rate of every optimizer step: a decay rule times an optional linear warm-up.
///
/// Definition (s = 0-based index of the optimizer step about to be taken, T = total steps of the
/// run, E = steps per epoch, W = warm-up steps, η = base rate):
///
///     rate(s) = η · warmup(s) · decay(s)
///     warmup(s) = a + (1 − a)·s/W  for s < W, else 1              (a = warm-up start factor)
///     decay(s)  = 1                                   constant
///               = γ^⌊⌊s/E⌋ / N⌋                       step: × γ every N epochs (epochs from 0)
///               = f + (1 − f)·½·(1 + cos(π·q))        cosine to f·η, q = clamp((s − W)/(T − W), 0, 1)
///
/// So the warm-up reaches η at step W, the cosine starts after the warm-up and reaches f·η at step T
/// (one past the last step), and step decay counts whole epochs as `torch.optim.lr_scheduler.StepLR`
/// does. To reproduce a run in PyTorch: `LambdaLR(optimizer, lambda s: rate(s) / η)` with
/// `scheduler.step()` after every `optimizer.step()` (LambdaLR's step counter is s).
public struct LearningRateSchedule: Equatable, Sendable, CustomStringConvertible {
    public enum Decay: Equatable, Sendable {
        case constant
        /// Multiply by `gamma` every `epochCount` epochs.
        case step(epochCount: Int, gamma: Float)
        /// Half a cosine from 1 to `floor` (a fraction of the base rate; 0 anneals to zero).
        case cosine(floor: Float)
    }

    public var baseRate: Float
    public var decay: Decay
    /// W: steps of linear warm-up (0 = none).
    public var warmupSteps: Int
    /// a: the warm-up starts at a·η.
    public var warmupStartFactor: Float

    /// - Precondition: warmupSteps ≥ 0; a step decay has epochCount ≥ 1. (`parse` checks user text.)
    public init(baseRate: Float, decay: Decay = .constant, warmupSteps: Int = 0, warmupStartFactor: Float = 0.1) {
        precondition(warmupSteps >= 0, "warm-up steps must be ≥ 0")
        if case .step(let epochCount, _) = decay { precondition(epochCount >= 1, "step decay needs epochCount ≥ 1") }
        self.baseRate = baseRate
        self.decay = decay
        self.warmupSteps = warmupSteps
        self.warmupStartFactor = warmupStartFactor
    }

    /// The rate for 0-based optimizer step `step` of a run of `totalSteps` steps (see the type's doc).
    public func rate(step: Int, totalSteps: Int, stepsPerEpoch: Int) -> Float {
        var factor = 1.0
        if step < warmupSteps {
            let a = Double(warmupStartFactor)
            factor = a + (1 - a) * Double(step) / Double(warmupSteps)
        }
        switch decay {
        case .constant:
            break
        case .step(let epochCount, let gamma):
            let epoch = step / max(stepsPerEpoch, 1)
            factor *= pow(Double(gamma), Double(epoch / epochCount))
        case .cosine(let floor):
            let span = Double(max(totalSteps - warmupSteps, 1))
            let progress = min(max(Double(step - warmupSteps) / span, 0), 1)
            factor *= Double(floor) + (1 - Double(floor)) * 0.5 * (1 + cos(Double.pi * progress))
        }
        return Float(Double(baseRate) * factor)
    }

    /// The decay in the text form `parse` reads: "constant", "step:3:0.1", "cosine" or "cosine:0.01".
    public var decayName: String { decay.name }

    /// The warm-up in the text form `parse` reads: "0", "500" or "500:0.1".
    public var warmupName: String {
        warmupSteps == 0 ? "0" : "\(warmupSteps):\(warmupStartFactor)"
    }

    public var description: String {
        "lr \(baseRate) \(decayName)"
            + (warmupSteps > 0 ? ", warm-up \(warmupSteps) steps from ×\(warmupStartFactor)" : "")
    }

    /// What `parse` accepts, for error messages and `--help`.
    public static let allowedDecays =
        "constant | step:EPOCHS:GAMMA (e.g. step:3:0.1) | cosine | cosine:FLOOR (e.g. cosine:0.01)"
    public static let allowedWarmups = "STEPS or STEPS:START_FACTOR (e.g. 0, 500, 500:0.1)"

    /// Reads a schedule from command-line text.
    /// - Parameters:
    ///   - decay: "constant", "step:EPOCHS:GAMMA" (EPOCHS ≥ 1, GAMMA > 0), "cosine" or
    ///     "cosine:FLOOR" (0 ≤ FLOOR ≤ 1, a fraction of the base rate).
    ///   - warmup: "STEPS" or "STEPS:START_FACTOR" (STEPS ≥ 0, 0 ≤ START_FACTOR ≤ 1, default 0.1).
    /// - Throws: `ScheduleError` saying what is allowed.
    public static func parse(decay decayText: String, warmup warmupText: String = "0", baseRate: Float) throws
        -> LearningRateSchedule
    {
        guard baseRate > 0, baseRate.isFinite else {
            throw ScheduleError("learning rate must be a positive number, got \(baseRate)")
        }
        let decay = try Decay(parsing: decayText)

        let warmupParts = warmupText.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard warmupParts.count <= 2, let steps = Int(warmupParts[0]), steps >= 0 else {
            throw ScheduleError("warm-up \"\(warmupText)\" is not allowed; allowed: \(allowedWarmups)")
        }
        var startFactor: Float = 0.1
        if warmupParts.count == 2 {
            guard let value = Float(warmupParts[1]), (0...1).contains(value) else {
                throw ScheduleError(
                    "warm-up \"\(warmupText)\": START_FACTOR must be a number in [0, 1]; allowed: \(allowedWarmups)")
            }
            startFactor = value
        }
        return LearningRateSchedule(
            baseRate: baseRate, decay: decay, warmupSteps: steps, warmupStartFactor: startFactor)
    }
}

/// A schedule option that cannot be read; the message says what is allowed.
public struct ScheduleError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
