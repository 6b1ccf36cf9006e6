import Foundation

/// One setting of a cell beyond its norm, batch size, learning rate and seed: a `TrainingOptions`
/// field (its JSON key, e.g. `dropout`, `convBias`, `normPosition`) and its value.
public struct GridSetting: Codable, Equatable, Hashable, Sendable {
    public var key: String
    public var value: JSONValue

    public init(key: String, value: JSONValue) { self.key = key; self.value = value }

    /// `dropout0.5`, `convBiasyes`, `normPositionafter`: the part of a cell id this setting adds.
    public var idPart: String { key + value.description }
    /// `dropout 0.5`: how a table heading shows it.
    public var label: String { key + " " + value.description }
}

/// An axis of a study's grid beyond norm × batch size × learning rate: a `TrainingOptions` field and
/// the values it takes, one column of cells each (`--grid dropout=0,0.5`, or a study file's
/// `"grid": [{"key": "dropout", "values": [0, 0.5]}]`).
public struct GridAxis: Codable, Equatable, Sendable {
    public var key: String
    public var values: [JSONValue]

    public init(key: String, values: [JSONValue]) { self.key = key; self.values = values }

    /// The fields a grid axis may not vary: the study's own axes and what every cell must share.
    public static let reservedKeys: Set<String> = [
        "norm", "batchSize", "learningRate", "seed", "threads", "model", "data", "trainLimit", "testLimit", "epochs"
    ]

    /// Reads `key=v1,v2,…` (`--grid`).
    public init(parsing text: String) throws {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw GridError("--grid \(text): use KEY=V1,V2,… with a run option's JSON key, e.g. --grid dropout=0,0.5")
        }
        key = parts[0]
        values = parts[1].split(separator: ",", omittingEmptySubsequences: false).map {
            JSONValue(parsing: $0.trimmingCharacters(in: .whitespaces))
        }
    }

    /// Checks that no axis varies one of the study's own axes or a shared setting, and that each
    /// axis has distinct values.
    public static func check(_ axes: [GridAxis]) throws {
        for axis in axes {
            guard !reservedKeys.contains(axis.key) else {
                throw GridError(
                    "the grid cannot vary '\(axis.key)': norms, batch sizes, learning rates and seeds are the study's own axes, and the rest is shared by every cell"
                )
            }
            guard !axis.values.isEmpty, Set(axis.values).count == axis.values.count else {
                throw GridError("grid axis '\(axis.key)' needs distinct values")
            }
        }
    }

    /// Every combination of the axes' values, first axis slowest; one empty combination for no axes.
    public static func combinations(_ axes: [GridAxis]) -> [[GridSetting]] {
        axes.reduce([[]]) { partial, axis in
            partial.flatMap { settings in axis.values.map { settings + [GridSetting(key: axis.key, value: $0)] } }
        }
    }
}

/// A grid axis or study file that cannot be run; the message names it and says what is allowed.
public struct GridError: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}
