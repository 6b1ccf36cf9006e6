import CNNCore
import CNNTraining
import TestSupport
import XCTest

/// safetensors: round trip, a file written by the reference implementation, corrupt files, atomic writes.
final class SafeTensorsTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "cnntrain-safetensors-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func sampleFile() -> SafeTensorsFile {
        var file = SafeTensorsFile(metadata: [
            "format": "pt", "model": "conv 3×3 \"quoted\"\nline\ttab\u{1}", "groups": "8"
        ])
        file.add("0.weight", tensor: GradientCheck.randomTensor(Shape(4, 3, 3, 3), seed: 1))
        file.add("1.bias", tensor: Tensor(shape: Shape(2), values: [-0.0, .infinity]))
        file.add("1.running_var", tensor: Tensor(shape: Shape([]), values: [2.5]))
        file.add("1.empty", tensor: Tensor(shape: Shape(0, 3)))
        file.add("1.num_batches_tracked", int64: -1_234_567_890_123)
        return file
    }

    // MARK: Round trip

    func testRoundTrip() throws {
        let original = sampleFile()
        let path = directory + "/model.safetensors"
        try original.write(path: path)
        let loaded = try SafeTensorsFile.read(path: path)
        XCTAssertEqual(loaded, original)
        XCTAssertEqual(
            try loaded.floatTensor("0.weight").array, GradientCheck.randomTensor(Shape(4, 3, 3, 3), seed: 1).array)
        XCTAssertEqual(try loaded.floatTensor("0.weight").shape, Shape(4, 3, 3, 3))
        XCTAssertEqual(try loaded.floatTensor("1.running_var").shape, Shape([]))
        XCTAssertEqual(try loaded.floatTensor("1.running_var")[0], 2.5)
        XCTAssertEqual(try loaded.floatTensor("1.bias").array[1], .infinity)
        XCTAssertEqual(try loaded.int64Scalar("1.num_batches_tracked"), -1_234_567_890_123)
        XCTAssertEqual(loaded.tensors["1.num_batches_tracked"]?.shape, [])
        XCTAssertEqual(loaded.metadata["model"], "conv 3×3 \"quoted\"\nline\ttab\u{1}")
        let target = Tensor(4, 3, 3, 3)
        try loaded.read("0.weight", into: target)
        XCTAssertEqual(target.array, try loaded.floatTensor("0.weight").array)
    }

    func testSerializationIsDeterministicSortedAndPadded() throws {
        let bytes = try sampleFile().serialized()
        let headerLength = Int(
            bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        XCTAssertEqual(headerLength % 8, 0, "header padded to a multiple of 8")
        let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("{\"__metadata__\":{\"format\":\"pt\",\"groups\":\"8\","), header)
        let order = ["\"0.weight\"", "\"1.bias\"", "\"1.empty\"", "\"1.num_batches_tracked\"", "\"1.running_var\""]
            .map { header.range(of: $0)!.lowerBound }
        XCTAssertEqual(order, order.sorted(), "header keys sorted")
        // The I64 comes first in the buffer (8-byte aligned), as the reference writer lays it out.
        XCTAssertTrue(
            header.contains("\"1.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}"), header
        )
        let reparsed = try SafeTensorsFile.parse(bytes, source: "memory")
        XCTAssertEqual(try reparsed.serialized(), bytes, "byte-identical after a round trip")
    }

    func testWrongTypeAndMissingNamesThrow() throws {
        let file = sampleFile()
        XCTAssertThrowsError(try file.floatTensor("1.num_batches_tracked")) {
            XCTAssertTrue("\($0)".contains("is I64, expected F32"), "\($0)")
        }
        XCTAssertThrowsError(try file.int64Scalar("0.weight")) {
            XCTAssertTrue("\($0)".contains("is F32, expected I64"), "\($0)")
        }
        XCTAssertThrowsError(try file.floatTensor("nope")) {
            XCTAssertTrue("\($0)".contains("no tensor \"nope\""), "\($0)")
        }
        XCTAssertThrowsError(try file.read("0.weight", into: Tensor(3))) {
            XCTAssertTrue("\($0)".contains("has shape [4, 3, 3, 3], expected [3]"), "\($0)")
        }
    }

    // MARK: Reference implementation

    /// Tests/Fixtures/safetensors/reference.safetensors was written by the `safetensors` Python
    /// package (scripts/pytorch/check_safetensors.py --write-fixture): its layout differs from ours (I64 first,
    /// unsorted header keys).
    func testReadsFileWrittenByReferenceImplementation() throws {
        let file = try SafeTensorsFile.read(path: Fixtures.url("safetensors/reference.safetensors").path)
        XCTAssertEqual(Set(file.tensors.keys), ["0.weight", "1.bias", "1.num_batches_tracked", "2.scalar"])
        let weight = try file.floatTensor("0.weight")
        XCTAssertEqual(weight.shape, Shape(2, 3))
        XCTAssertEqual(weight.array, [-0.5, -0.25, 0, 0.25, 0.5, 0.75])
        XCTAssertEqual(try file.floatTensor("1.bias").array, [1.5, -2.25])
        XCTAssertEqual(try file.int64Scalar("1.num_batches_tracked"), 123_456_789_012)
        XCTAssertEqual(try file.floatTensor("2.scalar").shape, Shape([]))
        XCTAssertEqual(try file.floatTensor("2.scalar")[0], 3.5)
        XCTAssertEqual(file.metadata["format"], "pt")
        XCTAssertEqual(file.metadata["norm"], "batch")
    }

    /// PyTorch loads what we write: runs scripts/pytorch/check_safetensors.py (torch; the `safetensors`
    /// package when installed, else its plain reader). Skipped when /usr/bin/python3 has no torch.
    func testPyTorchLoadsOurFile() throws {
        try Python.require()
        let path = directory + "/for-torch.safetensors"
        try sampleFile().write(path: path)
        let (status, text, errorText) = try Python.run([
            Fixtures.repositoryRoot.appendingPathComponent("scripts/pytorch/check_safetensors.py").path, path,
            "--values"
        ])
        if errorText.contains("No module named 'torch'") { throw XCTSkip("torch is not installed for \(Python.path)") }
        XCTAssertEqual(status, 0, errorText)
        for expected in [
            "5 tensors", "0.weight", "float32  [4, 3, 3, 3]", "1.num_batches_tracked", "int64    []  [-1234567890123]",
            "1.running_var", "float32  []  [2.5]", "1.empty", "[0, 3]", "__metadata__['groups'] = '8'"
        ] {
            XCTAssertTrue(text.contains(expected), "“\(expected)” not in:\n\(text)")
        }
    }

    // MARK: Corrupt files

    /// Assembles a file: 8-byte length (default: the header's true length), header, buffer.
    func bytes(header: String, buffer: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
        let headerBytes = Array(header.utf8)
        var result: [UInt8] = []
        withUnsafeBytes(of: (declaredLength ?? UInt64(headerBytes.count)).littleEndian) { result += $0 }
        return result + headerBytes + buffer
    }

    func assertReadFails(_ contents: [UInt8], _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        let path = directory + "/corrupt-\(UUID().uuidString.prefix(8)).safetensors"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(contents)), file: file, line: line)
        XCTAssertThrowsError(try SafeTensorsFile.read(path: path), file: file, line: line) { error in
            XCTAssertTrue(error is CheckpointError, "\(type(of: error))", file: file, line: line)
            XCTAssertTrue("\(error)".hasPrefix(path + ":"), "message names the file: \(error)", file: file, line: line)
            XCTAssertTrue("\(error)".contains(expected), "expected “\(expected)” in: \(error)", file: file, line: line)
        }
    }

    func f32(_ name: String, _ shape: [Int], _ begin: Int, _ end: Int, dtype: String = "F32") -> String {
        "\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":[\(begin),\(end)]}"
    }

    func testCorruptFilesThrowNamingTheFile() throws {
        let valid = try sampleFile().serialized()
        assertReadFails([], "the file has 0 bytes, fewer than the 8")
        assertReadFails([1, 2, 3], "the file has 3 bytes")
        assertReadFails(Array(valid.prefix(100)), "bytes follow it (truncated file?)")
        assertReadFails(Array(valid.dropLast(4)), "outside the")
        assertReadFails(valid + [0], "trailing bytes")
        assertReadFails(bytes(header: "{}", declaredLength: 1 << 40), "the header length is 1099511627776 bytes")
        assertReadFails(bytes(header: "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], "), "the header is not valid JSON")
        assertReadFails(bytes(header: "[1, 2]"), "the header does not start with '{'")
        assertReadFails(
            bytes(header: "{" + f32("a", [2], 0, 12) + "}", buffer: Array(repeating: 0, count: 8)),
            "outside the 8-byte buffer")
        assertReadFails(
            bytes(header: "{" + f32("a", [3], 0, 8) + "}", buffer: Array(repeating: 0, count: 8)),
            "tensor \"a\" (F32, shape [3]) needs 12 bytes but its data_offsets [0, 8] span 8")
        assertReadFails(
            bytes(
                header: "{" + f32("a", [1], 0, 8, dtype: "I64") + "," + f32("b", [1], 4, 8) + "}",
                buffer: Array(repeating: 0, count: 8)),
            "overlaps")
        assertReadFails(
            bytes(
                header: "{" + f32("a", [1], 0, 4) + "," + f32("b", [1], 8, 12) + "}",
                buffer: Array(repeating: 0, count: 12)),
            "bytes 4..<8 of the buffer belong to no tensor")
        assertReadFails(
            bytes(header: "{" + f32("a", [2], 0, 4, dtype: "F16") + "}", buffer: Array(repeating: 0, count: 4)),
            "dtype F16; this reader supports F32 and I64")
        assertReadFails(
            bytes(header: "{" + f32("a", [1], 4, 0) + "}", buffer: Array(repeating: 0, count: 4)), "outside the")
        assertReadFails(
            bytes(header: "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", buffer: [0, 0, 0, 0]),
            "no valid shape")
        assertReadFails(
            bytes(header: "{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", buffer: [0, 0, 0, 0]), "no valid data_offsets")
        assertReadFails(bytes(header: "{\"__metadata__\":{\"k\":1}}"), "__metadata__ value for \"k\" is not a string")
    }

    func testMissingFileNamesIt() {
        let path = directory + "/missing.safetensors"
        XCTAssertThrowsError(try SafeTensorsFile.read(path: path)) {
            XCTAssertTrue("\($0)".hasPrefix(path + ": cannot read"), "\($0)")
        }
    }

    // MARK: Atomic writes

    func testWriteReplacesAtomicallyAndLeavesNoTemporaryFile() throws {
        let path = directory + "/checkpoint.safetensors"
        try Data("old contents".utf8).write(to: URL(fileURLWithPath: path))
        try sampleFile().write(path: path)
        XCTAssertEqual(try SafeTensorsFile.read(path: path), sampleFile())
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["checkpoint.safetensors"])
    }

    func testFailedWriteKeepsTheExistingFile() throws {
        let path = directory + "/checkpoint.safetensors"
        try sampleFile().write(path: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))

        // An entry whose bytes do not match its shape: refused before any file is touched.
        var bad = sampleFile()
        bad.tensors["0.weight"]?.bytes.removeLast()
        XCTAssertThrowsError(try bad.write(path: path)) {
            XCTAssertTrue("\($0)".contains("tensor \"0.weight\""), "\($0)")
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)

        // The rename fails (the target is a non-empty directory): the temporary file is removed.
        let blocked = directory + "/blocked.safetensors"
        try FileManager.default.createDirectory(atPath: blocked + "/inside", withIntermediateDirectories: true)
        XCTAssertThrowsError(try sampleFile().write(path: blocked)) { error in
            XCTAssertTrue("\(error)".hasPrefix(blocked + ": cannot write checkpoint: renaming"), "\(error)")
        }
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: directory).sorted(),
            ["blocked.safetensors", "checkpoint.safetensors"])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)

        // A directory that does not exist.
        let nowhere = directory + "/no/such/dir/x.safetensors"
        XCTAssertThrowsError(try sampleFile().write(path: nowhere)) {
            XCTAssertTrue("\($0)".hasPrefix(nowhere + ": cannot write checkpoint: creating"), "\($0)")
        }
    }
}
