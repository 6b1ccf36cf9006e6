import CNNModels
import TestSupport
import XCTest

/// Model files saved on Windows (CRLF), on old Macs (CR) or with a UTF-8 byte-order mark read as
/// the same model as with Unix line endings.
final class ModelFileLineEndingTests: XCTestCase {
    func testCRLFCRAndByteOrderMarkReadAsLF() throws {
        let unix = try String(
            contentsOf: Fixtures.repositoryRoot.appendingPathComponent("Models/smallcnn.cfg"), encoding: .utf8)
        let expected = try ModelFile(text: unix, path: "smallcnn.cfg")
        XCTAssertGreaterThan(expected.statements.count, 10)
        for (name, text) in [
            ("CRLF", unix.replacingOccurrences(of: "\n", with: "\r\n")),
            ("CR", unix.replacingOccurrences(of: "\n", with: "\r")),
            ("BOM + CRLF", "\u{FEFF}" + unix.replacingOccurrences(of: "\n", with: "\r\n"))
        ] {
            let file = try ModelFile(text: text, path: "smallcnn.cfg")
            XCTAssertEqual(file.statements, expected.statements, name)
            XCTAssertEqual(file.description, expected.description, name)
        }
    }

    /// The same through the catalog, which reads the file's bytes.
    func testACRLFFileWithAByteOrderMarkLoadsFromDisk() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "cnntrain-crlf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("windows.cfg")
        let text =
            "\u{FEFF}# saved by Notepad\r\ninput channels=1 size=28\r\nconv filters=8 size=3\r\nnorm\r\nrelu\r\nflatten\r\nlinear out=classes\r\n"
        try Data(text.utf8).write(to: path)
        let (name, file) = try ModelCatalog.load(path.path)
        XCTAssertEqual(name, "windows")
        XCTAssertEqual(file.statements.map(\.kind), ["input", "conv", "norm", "relu", "flatten", "linear"])
        XCTAssertEqual(file.statements.map(\.line), [2, 3, 4, 5, 6, 7])
        XCTAssertEqual(file.description, "saved by Notepad")
    }
}
