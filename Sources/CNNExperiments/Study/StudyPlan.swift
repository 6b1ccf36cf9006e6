import CNNModels
import CNNNorms
import CNNTraining
import Foundation

/// How a study picks each cell's learning rate.
public enum LearningRateRule: Codable, Equatable, Sendable {
    /// Every cell uses `base`.
    case fixed(base: Double)
    /// Goyal et al. (2017), "Accurate, Large Minibatch SGD": lr = base × batch / 64.
    case linear(base: Double)
    /// Every listed rate is a separate column of the grid.
    case list([Double])

    /// The rates a cell with this batch size is trained with.
    public func rates(batchSize: Int) -> [Double] {
        switch self {
        case .fixed(let base): return [base]
        case .linear(let base): return [base * Double(batchSize) / 64]
        case .list(let rates): return rates
        }
    }

    /// One sentence for the terminal and the report.
    public var description: String {
        switch self {
        case .fixed(let base): return "fixed: every cell uses lr = \(Study.format(base))"
        case .linear(let base): return "linear scaling: lr = \(Study.format(base)) × batch size / 64"
        case .list(let rates):
            return "each of lr = \(rates.map(Study.format).joined(separator: ", ")) at every batch size"
        }
    }
}

/// The options every cell of a study shares. Stored as `study.json`; a study directory is only
/// resumed with the same settings, so kept cells and new cells are comparable.
public struct StudySettings: Codable, Equatable, Sendable {
    public var model = "smallcnn"
    public var data: String? = nil
    public var epochs = 10
    public var groups: Int? = nil
    public var normPosition: NormPosition = .before
    public var trainLimit: Int? = nil
    public var testLimit: Int? = nil
    /// Processes per cell: each cell a data-parallel job `mpirun -np W cnntrain train …` (nil: one
    /// process, no mpirun). `--batch-size` stays the global batch.
    public var processes: Int? = nil
    /// Run options every cell shares beyond those above (a study file's recipe: `steps`,
    /// `activation`, `trainEvalImages`, …), by their TrainingOptions JSON keys; nil: none.
    public var recipe: [GridSetting]? = nil
    /// The model overrides every cell trains with (`--activation`, `--dropout`, `--conv-bias`,
    /// `--init-gain`; nil: the model file's). Absent from study.json files written before them.
    public var activation: String? = nil
    public var dropout: Float? = nil
    public var convBias: Bool? = nil
    public var initGain: Float? = nil
    public init() {}

    /// The settings of `options` that every cell shares (their norm, batch size, rate and seed vary).
    /// The fields of StudySettings have the JSON keys of the TrainingOptions fields they hold, so
    /// they are taken (and given back, `sharedOptions`) through that JSON, one list for both ways.
    public init(_ options: TrainingOptions) {
        self = (try? JSONDecoder().decode(StudySettings.self, from: JSONEncoder().encode(options))) ?? StudySettings()
        processes = nil
        recipe = nil
    }

    /// The run options these settings hold, by their JSON keys (the recipe and processes aside).
    public var sharedOptions: [GridSetting] {
        var shared = self
        shared.processes = nil
        shared.recipe = nil
        guard let data = try? JSONEncoder().encode(shared),
            let object = try? JSONDecoder().decode([String: JSONValue].self, from: data)
        else { return [] }
        return object.sorted { $0.key < $1.key }.map { GridSetting(key: $0.key, value: $0.value) }
    }

    /// The run configuration of `cell`: these shared settings and recipe with the cell's norm, batch
    /// size, learning rate, seed and grid settings (other values are the defaults).
    public func options(for cell: StudyCell, threads: Int) throws -> TrainingOptions {
        var options = TrainingOptions()
        options.norm = cell.norm
        options.batchSize = cell.batchSize
        options.learningRate = Float(cell.learningRate)
        options.seed = UInt64(cell.seed)
        options.threads = threads
        options = try OptionsOverlay.apply(sharedOptions + (recipe ?? []) + (cell.settings ?? []), to: options)
        try options.validate()
        return options
    }

    /// What `activation`, `dropout` and `convBias` change in the model.
    public var modelOverrides: ModelOverrides {
        ModelOverrides(activation: activation, dropout: dropout, convBias: convBias)
    }
}

/// One training run of the grid.
public struct StudyCell: Codable, Equatable, Hashable, Sendable {
    public var norm: NormKind
    public var batchSize: Int
    public var learningRate: Double
    public var seed: Int
    /// The cell's values of the plan's other grid axes (`--grid`), in axis order; nil: none.
    public var settings: [GridSetting]?

    public init(norm: NormKind, batchSize: Int, learningRate: Double, seed: Int, settings: [GridSetting] = []) {
        self.norm = norm; self.batchSize = batchSize; self.learningRate = learningRate; self.seed = seed
        self.settings = settings.isEmpty ? nil : settings
    }

    /// A stable, file-name-safe id: `group-b32-lr0.025-s1`, `group-b32-lr0.025-dropout0.5-s1`. The
    /// same cell always gets the same id, so a study resumes by finding the cells' folders.
    public var id: String { configuration + "-s\(seed)" }

    /// The cell without its seed: the key that seeds are aggregated over.
    public var configuration: String {
        (["\(norm.rawValue)", "b\(batchSize)", "lr\(Study.format(learningRate))"] + (settings ?? []).map(\.idPart))
            .joined(separator: "-")
    }
}

/// The grid: every norm × batch size × learning rate × seed.
public struct StudyPlan: Codable, Equatable, Sendable {
    public var norms: [NormKind]
    public var batchSizes: [Int]
    public var rule: LearningRateRule
    public var seedCount: Int
    /// Further axes (`--grid`, a study file's `grid`); nil: none.
    public var axes: [GridAxis]?

    public init(norms: [NormKind], batchSizes: [Int], rule: LearningRateRule, seedCount: Int, axes: [GridAxis] = []) {
        self.norms = norms; self.batchSizes = batchSizes; self.rule = rule; self.seedCount = seedCount
        self.axes = axes.isEmpty ? nil : axes
    }

    /// Cells in a fixed order: norm, then batch size, then learning rate, then the other axes
    /// (first axis slowest), then seed 1…N.
    public var cells: [StudyCell] {
        var cells: [StudyCell] = []
        let combinations = GridAxis.combinations(axes ?? [])
        for norm in norms {
            for batchSize in batchSizes {
                for rate in rule.rates(batchSize: batchSize) {
                    for settings in combinations {
                        for seed in 1...max(seedCount, 1) {
                            cells.append(
                                StudyCell(
                                    norm: norm, batchSize: batchSize, learningRate: rate, seed: seed,
                                    settings: settings))
                        }
                    }
                }
            }
        }
        return cells
    }

    /// Checks that every configuration of the grid is a valid run with `settings`, so that a bad value
    /// is named (with its cell) before any cell runs, not in the middle of a study.
    public func checkCells(_ settings: StudySettings) throws {
        for cell in cells where cell.seed == 1 {
            do { _ = try settings.options(for: cell, threads: 1) } catch {
                throw GridError("cell \(cell.configuration): \(error)")
            }
        }
    }

    /// Two lines for the terminal: the size of the grid, and the learning-rate rule.
    public func summary(directory: String, epochs: Int) -> String {
        func counted(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }
        let cellCount = cells.count
        let axisCounts = (axes ?? []).map { counted($0.values.count, $0.key + " value") }
        let combinationCount = (axes ?? []).reduce(1) { $0 * $1.values.count }
        let rateCount = cellCount / max(norms.count * batchSizes.count * seedCount * combinationCount, 1)
        let counts =
            [counted(norms.count, "norm"), counted(batchSizes.count, "batch size"), counted(rateCount, "learning rate")]
            + axisCounts + [counted(seedCount, "seed")]
        return
            "study \(directory): \(counted(cellCount, "cell")) (\(counts.joined(separator: " × "))), \(counted(epochs, "epoch")) each\n"
            + "learning rate: \(rule.description)"
    }
}

public enum Study {
    /// Numbers in ids, commands and reports: up to 6 significant digits, no trailing zeros (0.05, 0.0015625, 2).
    public static func format(_ value: Double) -> String { String(format: "%.6g", value) }

    /// `studies/<date>-<model>` under the working directory.
    public static func defaultPath(model: String) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return
            "studies/\(formatter.string(from: Date()))-\(URL(fileURLWithPath: model).deletingPathExtension().lastPathComponent)"
    }
}
