// swift-tools-version:6.0
// libFuzzer targets for cnntrain's parsers. Not part of the main build: scripts/robustness/fuzz.sh builds this
// package with -sanitize=fuzzer,address (and the C shims with -fsanitize=fuzzer-no-link,address).
import PackageDescription

/// One executable per parser; each has a single file defining LLVMFuzzerTestOneInput and the
/// `<module>_main` entry point SwiftPM links as `main` (it calls libFuzzer's driver, FuzzDriver).
let names = ["fuzz-png", "fuzz-jpeg", "fuzz-idx", "fuzz-cifar", "fuzz-model", "fuzz-checkpoint"]

let package = Package(
    name: "cnntrain-fuzz",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "cnntrain", path: "../../..")],
    targets: [.target(name: "FuzzDriver")]
        + names.map { name in
            .executableTarget(
                name: name, dependencies: ["FuzzDriver", .product(name: "CNNTrainKit", package: "cnntrain")],
                path: "Sources/\(name)",
                swiftSettings: [.unsafeFlags(["-parse-as-library"])])
        },
    swiftLanguageModes: [.v5]
)
