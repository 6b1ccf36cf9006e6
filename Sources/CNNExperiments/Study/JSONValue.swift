import Foundation

/// A JSON value as a study file holds it: a grid axis's values and a recipe's settings are the
/// JSON spelling of `TrainingOptions` fields, applied to a cell's options by `OptionsOverlay`.
public enum JSONValue: Codable, Equatable, Hashable, Sendable, CustomStringConvertible {
    case string(String)
    case number(Double)
    case bool(Bool)
    case array([JSONValue])
    case null

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "a value must be a string, number, true/false, null or a list")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .number(let value):
            // Whole numbers are written as integers, so Int fields (batchSize, steps) decode from them.
            if value == value.rounded(), abs(value) < 1e15 {
                try container.encode(Int64(value))
            } else {
                try container.encode(value)
            }
        case .bool(let value): try container.encode(value)
        case .array(let values): try container.encode(values)
        case .null: try container.encodeNil()
        }
    }

    /// The value as cell ids and table headings show it: 0.5, 64, true, sigmoid.
    public var description: String {
        switch self {
        case .string(let value): return value
        case .number(let value): return Study.format(value)
        case .bool(let value): return value ? "yes" : "no"
        case .array(let values): return values.map(\.description).joined(separator: ":")
        case .null: return "default"
        }
    }

    /// Parses one value of `--grid key=v1,v2`: true/yes, false/no, a number, else a string.
    public init(parsing text: String) {
        switch text.lowercased() {
        case "true", "yes": self = .bool(true)
        case "false", "no": self = .bool(false)
        case "null", "default": self = .null
        default: self = Double(text).map(JSONValue.number) ?? .string(text)
        }
    }
}
