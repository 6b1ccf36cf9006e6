import ImageIO
import XCTest

/// Issue 12, finding 4: a JPEG whose entropy-coded data is damaged decodes (libjpeg warns
/// "Corrupt JPEG data" and fills the blocks in); the decoder must say so.
/// Fixture: broken/corrupt_entropy.jpg, made by scripts/fixtures/make_corrupt_jpeg_fixture.py from large.jpg.
final class CorruptEntropyTests: XCTestCase {
    func decode(_ name: String) throws -> (image: Image, format: ImageFormat, damage: String?) {
        let bytes = try ImageDecoder.readFile(fixturePath(name))
        return try bytes.withUnsafeBytes { try ImageDecoder.decode(bytes: $0, path: fixturePath(name)) }
    }

    func testDamagedEntropyDataIsReported() throws {
        let damaged = try decode("broken/corrupt_entropy.jpg")
        XCTAssertEqual([damaged.image.width, damaged.image.height], [64, 48], "it still decodes")
        let damage = try XCTUnwrap(damaged.damage, "libjpeg's warnings must not be dropped")
        XCTAssertTrue(damage.contains("Corrupt JPEG data"), damage)
        XCTAssertTrue(damage.contains("1 warning"), damage)
        XCTAssertNotEqual(damaged.image.pixels, try decode("large.jpg").image.pixels, "the fixture is damaged")
        XCTAssertEqual(
            try ImageDecoder.decodeReportingDamage(contentsOf: fixturePath("broken/corrupt_entropy.jpg")).damage, damage
        )
    }

    func testCleanFilesReportNoDamage() throws {
        for name in ["large.jpg", "baseline.jpg", "progressive.jpg", "grayscale.jpg", "cmyk.jpg", "rgb.png"] {
            XCTAssertNil(try decode(name).damage, name)
        }
    }
}
