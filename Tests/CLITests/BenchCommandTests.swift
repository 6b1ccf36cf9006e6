import Foundation
import TestSupport
import XCTest

/// `cnntrain bench train` (one engine's speed and profile), `bench speed` (side by side) and
/// `train --profile`, on a few steps of real Fashion-MNIST. These check what is reported, never
/// how fast: speed targets are read off the benchmarks' figures, not asserted.
final class BenchCommandTests: XCTestCase {
    struct KindRow: Decodable { let kind: String; let milliseconds: Double; let share: Double }
    struct LayerRow: Decodable {
        let path: String; let summary: String; let forwardMilliseconds: Double; let backwardMilliseconds: Double
    }
    struct Profile: Decodable {
        let steps: Int; let stepMilliseconds: Double; let kinds: [KindRow]; let layers: [LayerRow]
    }
    struct Probe: Decodable {
        let norm: String; let batchSize: Int; let trainSteps: Int
        let trainImagesPerSecond: Double; let inferenceImagesPerSecond: Double; let inferenceImages: Int
        let parameterCount: Int; let peakMemoryMiB: Double; let profile: Profile?
    }

    /// The kinds add up to the step, every smallcnn layer has a row, and the convolutions' time is
    /// split into GEMM and im2col/col2im.
    func checkProfile(_ profile: Profile, steps: Int, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(profile.steps, steps, file: file, line: line)
        XCTAssertGreaterThan(profile.stepMilliseconds, 0, file: file, line: line)
        XCTAssertEqual(
            profile.kinds.map(\.share).reduce(0, +), 1, accuracy: 0.01, "\(profile.kinds)", file: file, line: line)
        let kinds = Dictionary(uniqueKeysWithValues: profile.kinds.map { ($0.kind, $0.share) })
        for kind in ["GEMM", "im2col/col2im", "norm", "activation", "pooling", "loss", "optimizer", "data"] {
            XCTAssertGreaterThan(
                kinds[kind] ?? 0, 0, "kind \(kind) has no time: \(profile.kinds)", file: file, line: line)
        }
        XCTAssertEqual(profile.layers.map(\.path), (0..<19).map(String.init), file: file, line: line)
        let conv = profile.layers.first { $0.summary.hasPrefix("conv 3×3 32→32") }
        XCTAssertGreaterThan(conv?.backwardMilliseconds ?? 0, 0, file: file, line: line)
    }

    func testBenchTrainReportsSpeedAndProfile() throws {
        let result = try CLI.run([
            "bench", "train", "--json", "--profile", "--norm", "group", "--batch-size", "32",
            "--train-images", "160", "--warmup-steps", "2", "--inference-images", "300", "--threads", "2"
        ])
        XCTAssertEqual(result.status, 0, result.error)
        let probe = try JSONDecoder().decode(Probe.self, from: Data(result.output.utf8))
        XCTAssertEqual(probe.norm, "group")
        XCTAssertEqual(probe.trainSteps, 5)
        XCTAssertEqual(probe.inferenceImages, 300)
        XCTAssertEqual(probe.parameterCount, 468_010)
        XCTAssertGreaterThan(probe.trainImagesPerSecond, 0)
        XCTAssertGreaterThan(probe.inferenceImagesPerSecond, 0)
        XCTAssertGreaterThan(probe.peakMemoryMiB, 10)
        let profile = try XCTUnwrap(probe.profile)
        checkProfile(profile, steps: 5)
    }

    func testTrainProfileWritesProfileJSON() throws {
        let out = try CLI.temporaryDirectory().appendingPathComponent("run")
        let result = try CLI.run(["--norm", "batch", "--epochs", "1", "--profile", "--out", out.path] + CLI.quick)
        XCTAssertEqual(result.status, 0, result.error)
        let data = try Data(contentsOf: out.appendingPathComponent("profile.json"))
        // 512 training images in batches of 32; evaluation is not part of the profile.
        checkProfile(try JSONDecoder().decode(Profile.self, from: data), steps: 16)
    }

    func testBenchSpeedTabulatesMediansOfEachNorm() throws {
        let json = try CLI.temporaryDirectory().appendingPathComponent("speed.json")
        let result = try CLI.run([
            "bench", "speed", "--no-pytorch", "--norms", "none,layer", "--repeats", "2", "--batch-sizes", "16",
            "--thread-counts", "1,2", "--train-images", "80", "--inference-images", "256", "--json", json.path
        ])
        XCTAssertEqual(result.status, 0, result.error + result.output)
        XCTAssertTrue(result.output.contains("| layer | 16 | 2 |"), result.output)
        struct Figures: Decodable { let repeats: Int; let trainSamples: [Double]; let trainImagesPerSecond: Double }
        struct Row: Decodable {
            let norm: String; let batchSize: Int; let threads: Int; let cnntrain: Figures?; let pytorch: Figures?
        }
        let rows = try JSONDecoder().decode([Row].self, from: Data(contentsOf: json))
        XCTAssertEqual(rows.map { "\($0.norm)-\($0.threads)" }, ["none-1", "layer-1", "none-2", "layer-2"])
        for row in rows {
            let figures = try XCTUnwrap(row.cnntrain)
            XCTAssertEqual(figures.repeats, 2)
            XCTAssertEqual(
                figures.trainImagesPerSecond, figures.trainSamples.reduce(0, +) / 2,
                accuracy: 1e-6 * figures.trainImagesPerSecond)
            XCTAssertNil(row.pytorch)
        }
    }

    /// With PyTorch installed, both engines are measured and the ratio column is filled.
    func testBenchSpeedMeasuresPyTorchBeside() throws {
        try Python.requireTorch()
        let result = try CLI.run([
            "bench", "speed", "--norms", "group", "--repeats", "1", "--batch-sizes", "16",
            "--train-images", "80", "--inference-images", "256"
        ])
        XCTAssertEqual(result.status, 0, result.error + result.output)
        let row = result.output.split(separator: "\n").first { $0.hasPrefix("| group | 16 |") }
        let cells = try XCTUnwrap(row, result.output).split(separator: "|").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        // norm, batch, threads, then (ours, contiguous, channels_last, ratio) for training and
        // inference, then peak memory of the three.
        XCTAssertEqual(cells.count, 14, String(row!))
        XCTAssertTrue(cells[6].hasSuffix("×") && cells[10].hasSuffix("×"), String(row!))
    }

    /// --python names the interpreter; one without torch leaves the PyTorch columns out with a message.
    func testBenchSpeedTakesThePythonToUse() throws {
        let result = try CLI.run([
            "bench", "speed", "--python", "/nonexistent/python", "--norms", "none", "--repeats", "1",
            "--batch-sizes", "16", "--train-images", "80", "--inference-images", "256"
        ])
        XCTAssertEqual(result.status, 0, result.error + result.output)
        XCTAssertTrue(result.output.contains("/nonexistent/python has no torch"), result.output)
        XCTAssertTrue(result.output.contains("| none | 16 |"), result.output)
    }

    /// --malloc tuned hands glibc's malloc tunables to every measurement's process; system leaves
    /// the environment as it is. A stand-in for Python reports what its probe inherited in the
    /// engine name, which the table's header shows.
    func testBenchSpeedMallocReachesTheMeasurements() throws {
        let python = try CLI.temporaryDirectory().appendingPathComponent("python")
        try """
        #!/bin/sh
        case "$*" in
          *torch_bench.py*) echo "{\\"engine\\": \\"pytorch mmap=${MALLOC_MMAP_THRESHOLD_:-unset}\\", \\
        \\"trainImagesPerSecond\\": 100, \\"inferenceImagesPerSecond\\": 100}" ;;
        esac
        exit 0
        """.write(to: python, atomically: true, encoding: .utf8)
        XCTAssertEqual(chmod(python.path, 0o755), 0)
        for (setting, expected) in [("tuned", "PyTorch mmap=2000000000"), ("system", "PyTorch mmap=unset")] {
            let result = try CLI.run([
                "bench", "speed", "--python", python.path, "--malloc", setting, "--norms", "none", "--repeats", "1",
                "--batch-sizes", "16", "--train-images", "80", "--inference-images", "256"
            ])
            XCTAssertEqual(result.status, 0, result.error + result.output)
            XCTAssertTrue(result.output.contains(expected), "--malloc \(setting): \(result.output)")
            XCTAssertTrue(result.output.contains("malloc: \(setting)"), result.output)
        }
    }

    func testBadBenchOptionsAreNamed() throws {
        for (arguments, expected) in [
            (["--norms", "batch,foo"], "--norms: 'foo'"), (["--thread-counts", "0"], "--thread-counts: '0'"),
            (["--batch-sizes", "8,x"], "--batch-sizes: 'x'"), (["--repeats", "0"], "--repeats 0"),
            (["--malloc", "fast"], "'fast' is invalid for '--malloc")
        ] {
            let result = try CLI.run(["bench", "speed", "--no-pytorch"] + arguments)
            XCTAssertNotEqual(result.status, 0)
            XCTAssertTrue(result.error.contains(expected), "\(arguments): \(result.error)")
        }
    }
}
