import CNNCore
import Foundation
import XCTest

/// Golden values produced by PyTorch (scripts/make_golden.py) and committed under Tests/Fixtures/golden.
///
/// File format (JSON): `{"script": "...", "cases": {"case name": {"tensor name": {"shape": [..],
/// "values": [..]}, ...}}}`. Values are float32 printed with 9 significant digits.
public struct GoldenFile {
    public struct Entry: Decodable {
        public let shape: [Int]
        public let values: [Double]
        public var tensor: Tensor { Tensor(shape: Shape(shape), values: values.map(Float.init)) }
    }

    public let script: String
    public let cases: [String: [String: Entry]]

    private struct Raw: Decodable {
        let script: String
        let cases: [String: [String: Entry]]
    }

    /// Loads `Tests/Fixtures/golden/<name>.json`.
    public init(_ name: String) throws {
        let url = Fixtures.url("golden/\(name).json")
        let raw = try JSONDecoder().decode(Raw.self, from: Data(contentsOf: url))
        script = raw.script
        cases = raw.cases
    }

    public func entry(_ caseName: String, _ tensorName: String, file: StaticString = #filePath, line: UInt = #line)
        throws -> Entry
    {
        guard let entry = cases[caseName]?[tensorName] else {
            throw NSError(
                domain: "Golden", code: 1,
                userInfo: [NSLocalizedDescriptionKey: "no \(caseName)/\(tensorName) in golden file"])
        }
        return entry
    }
}

public enum Fixtures {
    /// The repository's Tests/Fixtures directory.
    public static var directory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures")
    }
    public static func url(_ relative: String) -> URL { directory.appendingPathComponent(relative) }
    /// The repository root (for end-to-end tests that run the built tool).
    public static var repositoryRoot: URL { directory.deletingLastPathComponent().deletingLastPathComponent() }
}

/// Asserts |a − b| ≤ max(relative·|b|, absolute) element-wise and reports the worst element.
public func assertClose(
    _ actual: [Float], _ expected: [Float], relative: Float = 1e-4, absolute: Float = 1e-5,
    _ message: String = "", file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(actual.count, expected.count, "count \(message)", file: file, line: line)
    var worst: (excess: Float, index: Int) = (0, -1)
    for i in 0..<min(actual.count, expected.count) {
        let allowed = max(relative * abs(expected[i]), absolute)
        let excess = abs(actual[i] - expected[i]) / allowed
        if !(excess <= 1) && (worst.index < 0 || excess > worst.excess || excess.isNaN) { worst = (excess, i) }
    }
    if worst.index >= 0 {
        XCTFail(
            "\(message): element \(worst.index) is \(actual[worst.index]), expected \(expected[worst.index]) (\(worst.excess)× the tolerance)",
            file: file, line: line)
    }
}
