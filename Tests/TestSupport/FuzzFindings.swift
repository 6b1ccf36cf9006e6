import Foundation

/// Inputs the fuzzers (scripts/robustness/fuzz.sh) found or that reproduce a crash fixed in the parsers, kept
/// under Tests/Fixtures/fuzz/<target>/ and replayed by the FuzzFindingsTests of each test target
/// the same way the fuzz target in scripts/robustness/fuzz/Sources/fuzz-<target> feeds them.
public enum FuzzFindings {
    /// The files of one target's directory, sorted by name (README files excluded).
    public static func files(_ target: String) -> [URL] {
        let directory = Fixtures.url("fuzz/" + target)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".md") }.sorted().map {
            directory.appendingPathComponent($0)
        }
    }
}
