import CNNTraining
import Foundation

/// Sets `TrainingOptions` fields by their JSON keys: how a study's recipe and grid settings reach a
/// cell's run configuration. Going through the options' own JSON form means every field a run
/// accepts (and none it does not) can be a grid axis, checked by the same decoding and `validate()`.
public enum OptionsOverlay {
    /// `options` with each setting applied, in order.
    /// - Throws: `GridError` naming the key when it is no option field or its value has the wrong type.
    public static func apply(_ settings: [GridSetting], to options: TrainingOptions) throws -> TrainingOptions {
        guard !settings.isEmpty else { return options }
        let encoder = JSONEncoder()
        guard var object = try JSONSerialization.jsonObject(with: encoder.encode(options)) as? [String: Any] else {
            throw GridError("the run options do not encode as a JSON object")
        }
        let known = knownKeys
        for setting in settings {
            guard known.contains(setting.key) else {
                throw GridError(
                    "'\(setting.key)' is not a run option; use one of: \(known.sorted().joined(separator: ", "))")
            }
            let encoded = try encoder.encode(setting.value)
            object[setting.key] = try JSONSerialization.jsonObject(with: encoded, options: .fragmentsAllowed)
        }
        do {
            return try JSONDecoder().decode(TrainingOptions.self, from: JSONSerialization.data(withJSONObject: object))
        } catch {
            let names = settings.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
            throw GridError("\(names): a value has the wrong type for its option (\(error))")
        }
    }

    /// The JSON keys of `TrainingOptions`: its stored properties' names (its Codable conformance is
    /// synthesized, so the keys are the names), optional ones included.
    public static let knownKeys = Set(Mirror(reflecting: TrainingOptions()).children.compactMap(\.label))
}
