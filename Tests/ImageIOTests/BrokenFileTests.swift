import ImageIO
import XCTest

/// Bad input gives a typed error naming the file, never a crash.
final class BrokenFileTests: XCTestCase {
    func decodeError(_ name: String) -> ImageError? {
        do {
            _ = try decodeFixture("broken/" + name)
            XCTFail("\(name) decoded")
            return nil
        } catch {
            XCTAssertTrue("\(error)".hasPrefix(fixturePath("broken/" + name)), "message names the file: \(error)")
            return error as? ImageError
        }
    }

    func testEmpty() {
        XCTAssertEqual(decodeError("empty.png"), .emptyFile(path: fixturePath("broken/empty.png")))
    }

    func testTruncatedPNG() {
        guard case .truncated = decodeError("truncated.png") else { return XCTFail("expected truncated") }
    }

    func testTruncatedJPEG() {
        guard case .truncated = decodeError("truncated.jpg") else { return XCTFail("expected truncated") }
    }

    func testRandomBytes() {
        XCTAssertEqual(decodeError("random.jpg"), .notAnImage(path: fixturePath("broken/random.jpg")))
    }

    func testHugeClaimIsRefusedBeforeAllocation() {
        XCTAssertEqual(
            decodeError("huge_claim.png"),
            .tooLarge(
                path: fixturePath("broken/huge_claim.png"), width: 60000, height: 60000,
                maxPixels: ImageDecoder.defaultMaxPixels))
        XCTAssertTrue("\(decodeError("huge_claim.png")!)".contains("60000×60000"))
    }

    func testCorruptPNGData() {
        guard case .corrupt(_, .png, let detail)? = decodeError("corrupt_idat.png") else {
            return XCTFail("expected corrupt PNG")
        }
        XCTAssertFalse(detail.isEmpty, "libpng's message is kept")
    }

    func testEveryPrefixOfAValidFileFailsCleanly() throws {
        // Each truncation point of a PNG and a JPEG is an error. A PNG cut only in its 12-byte IEND
        // chunk still has all its pixels and decodes (the end chunks are not read).
        for name in ["interlaced.png", "progressive.jpg", "palette.png"] {
            let bytes = try ImageDecoder.readFile(fixturePath(name))
            let complete = name.hasSuffix(".png") ? bytes.count - 12 : bytes.count
            if name.hasSuffix(".png") {
                XCTAssertNoThrow(try ImageDecoder.decode(data: Array(bytes.prefix(complete)), path: name))
            }
            for length in 0..<complete {
                XCTAssertThrowsError(
                    try ImageDecoder.decode(data: Array(bytes.prefix(length)), path: name), "\(name) cut at \(length)")
            }
        }
    }

    func testFlippedBytesNeverCrash() throws {
        var generator = SystemRandomNumberGenerator()
        for name in ["rgb.png", "baseline.jpg", "progressive.jpg", "gray16.png"] {
            let bytes = try ImageDecoder.readFile(fixturePath(name))
            for _ in 0..<200 {
                var damaged = bytes
                for _ in 0..<3 {
                    damaged[Int.random(in: 0..<damaged.count, using: &generator)] = UInt8.random(
                        in: 0...255, using: &generator)
                }
                _ = try? ImageDecoder.decode(data: damaged, path: name)
            }
        }
    }
}
