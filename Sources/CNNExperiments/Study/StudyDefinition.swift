import CNNNorms
import CNNTraining
import Foundation

/// A study as a file in the repository (`studies/<name>.json`): its grid, recipe and seeds. `cnntrain
/// study studies/<name>.json` runs it into `studies/<name>/` and resumes it where it stopped.
///
///     {"title": "…", "claim": "…",
///      "recipe": {"epochs": 2, "trainLimit": 2000, "testLimit": 2000, "dropout": 0.5},
///      "norms": ["batch", "group"], "batchSizes": [2, 64], "learningRate": {"linear": {"base": 0.05}},
///      "grid": [{"key": "convBias", "values": [true, false]}], "seeds": 3}
///
/// The recipe and the grid name `TrainingOptions` fields by their JSON keys (as in a run's
/// config.json). Other keys (the README generator's) are ignored here.
public struct StudyDefinition: Codable, Sendable {
    public var title: String
    /// The course notes' claim the study measures.
    public var claim: String?
    public var recipe: [String: JSONValue]?
    public var norms: [NormKind]
    public var batchSizes: [Int]?
    public var learningRate: LearningRateRule?
    public var grid: [GridAxis]?
    public var seeds: Int
    /// Processes per cell (mpirun); nil: one.
    public var processes: Int?

    /// The recipe keys `StudySettings` keeps as its own fields; every other key is a shared override.
    static let settingsKeys: Set<String> = [
        "model", "data", "epochs", "groups", "normPosition", "trainLimit", "testLimit", "activation", "dropout",
        "convBias", "initGain"
    ]

    /// Reads and checks a study file.
    /// - Throws: `GridError` naming the file and what is wrong with it.
    public static func load(_ path: String) throws -> StudyDefinition {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw GridError("\(path): no such study file (studies/*.json lists the repository's studies)")
        }
        let definition: StudyDefinition
        do {
            definition = try JSONDecoder().decode(StudyDefinition.self, from: data)
        } catch {
            throw GridError("\(path) is not a study file: \(describe(error))")
        }
        do {
            _ = try definition.plan()  // checks the settings too
        } catch {
            throw GridError("\(path): \(error)")
        }
        return definition
    }

    /// The folder a study file's results go to: the file's path without `.json`.
    public static func directory(of path: String) -> String {
        path.hasSuffix(".json") ? String(path.dropLast(5)) : path + ".results"
    }

    /// What every cell shares: the recipe on top of the defaults.
    public func settings() throws -> StudySettings {
        let overrides = (recipe ?? [:]).sorted { $0.key < $1.key }.map { GridSetting(key: $0.key, value: $0.value) }
        let options = try OptionsOverlay.apply(overrides, to: TrainingOptions())
        try options.validate()
        var settings = StudySettings(options)
        let shared = overrides.filter { !Self.settingsKeys.contains($0.key) }
        for setting in shared where GridAxis.reservedKeys.contains(setting.key) {
            throw GridError(
                "the recipe cannot set '\(setting.key)': use the study's norms, batchSizes, learningRate and seeds")
        }
        settings.recipe = shared.isEmpty ? nil : shared
        settings.processes = (processes ?? 1) > 1 ? processes : nil
        return settings
    }

    /// The grid: norms × batch sizes × learning rates × the other axes × seeds.
    public func plan() throws -> StudyPlan {
        guard !norms.isEmpty else { throw GridError("'norms' is empty; name at least one norm") }
        guard (1...100).contains(seeds) else { throw GridError("'seeds': \(seeds) is not allowed; use 1 to 100") }
        let sizes = batchSizes ?? [TrainingOptions().batchSize]
        guard !sizes.isEmpty, sizes.allSatisfy({ $0 >= 1 }) else {
            throw GridError("'batchSizes' must list positive integers")
        }
        try GridAxis.check(grid ?? [])
        let plan = StudyPlan(
            norms: norms, batchSizes: sizes, rule: learningRate ?? .fixed(base: Double(TrainingOptions().learningRate)),
            seedCount: seeds, axes: grid ?? [])
        try plan.checkCells(settings())
        return plan
    }

    static func describe(_ error: Error) -> String {
        guard let decoding = error as? DecodingError else { return "\(error)" }
        switch decoding {
        case .keyNotFound(let key, let context):
            return "'\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))' is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return (path.isEmpty ? "" : "'\(path)': ") + context.debugDescription
        @unknown default: return "\(error)"
        }
    }
}
