import Foundation

extension TrainingOptions {
    /// Reads a run configuration: a TrainingOptions JSON object, or a run's `config.json` (whose
    /// "options" it takes). Fields added in later versions may be left out; every value is checked.
    /// - Throws: `TrainingError` naming the file and what is wrong with it.
    public static func read(_ path: String) throws -> TrainingOptions {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TrainingError("\(path): cannot read the run configuration")
        }
        struct RunConfiguration: Decodable { var options: TrainingOptions }
        let decoder = JSONDecoder()
        let options: TrainingOptions
        do {
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
            if object?["options"] != nil {
                options = try decoder.decode(RunConfiguration.self, from: data).options
            } else {
                options = try decoder.decode(TrainingOptions.self, from: data)
            }
        } catch {
            throw TrainingError("\(path): not a run configuration (TrainingOptions JSON): \(Self.describe(error))")
        }
        do {
            try options.validate()
        } catch {
            throw TrainingError("\(path): \(error)")
        }
        return options
    }

    /// Writes the JSON that `read` reads (sorted keys, atomically).
    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(self), to: path)
    }

    /// A decoding error in one line: which field, and what was wrong.
    package static func describe(_ error: Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, let context)?:
            return "the field \"\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))\" is missing"
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?, .dataCorrupted(let context)?:
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            return (field.isEmpty ? "" : "field \"\(field)\": ") + context.debugDescription
        default:
            return "\(error)"
        }
    }
}
