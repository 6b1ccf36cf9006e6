import ImageIO
import XCTest

/// JPEG fixtures (Pillow, quality 95, flat 8×8 blocks) decode within a small tolerance.
final class JPEGDecodeTests: XCTestCase {
    /// 16×16 made of four flat 8×8 blocks: top-left, top-right, bottom-left, bottom-right.
    func expectedBlocks(_ colours: [[UInt8]]) -> [UInt8] {
        var pixels: [UInt8] = []
        for y in 0..<16 { for x in 0..<16 { pixels += colours[(y / 8) * 2 + x / 8] } }
        return pixels
    }

    let rgbBlocks: [[UInt8]] = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]]

    func testBaselineAndProgressive() throws {
        for name in ["baseline.jpg", "progressive.jpg"] {
            let image = try decodeFixture(name)
            XCTAssertEqual([image.width, image.height, image.channels], [16, 16, 3], name)
            XCTAssertLessThanOrEqual(maxDifference(image.pixels, expectedBlocks(rgbBlocks)), 6, name)
        }
        // Baseline and progressive of the same picture decode to nearly the same pixels.
        XCTAssertLessThanOrEqual(
            maxDifference(try decodeFixture("baseline.jpg").pixels, try decodeFixture("progressive.jpg").pixels), 3)
    }

    func testGrayscale() throws {
        let image = try decodeFixture("grayscale.jpg")
        XCTAssertEqual(image.channels, 1)
        XCTAssertLessThanOrEqual(maxDifference(image.pixels, expectedBlocks([[0], [85], [170], [255]])), 3)
    }

    func testCMYKIsConvertedToRGB() throws {
        // Blocks: red (0,255,255,0), white (0,0,0,0), black (0,0,0,255), cyan (255,0,0,0).
        let image = try decodeFixture("cmyk.jpg")
        XCTAssertEqual(image.channels, 3)
        XCTAssertLessThanOrEqual(
            maxDifference(image.pixels, expectedBlocks([[255, 0, 0], [255, 255, 255], [0, 0, 0], [0, 255, 255]])), 6)
    }

    func testMislabelledExtensionIsSniffed() throws {
        let bytes = try ImageDecoder.readFile(fixturePath("really_jpeg.png"))
        XCTAssertEqual(ImageFormat.sniff(bytes), .jpeg)
        XCTAssertEqual(ImageFormat.fromExtension(of: "really_jpeg.png"), .png)
        let image = try ImageDecoder.decode(data: bytes, path: "really_jpeg.png")
        XCTAssertLessThanOrEqual(maxDifference(image.pixels, expectedBlocks(rgbBlocks)), 6)
    }

    func testDCTScalingPicksSmallestScaleAtLeastTarget() throws {
        let full = try decodeFixture("large.jpg")
        XCTAssertEqual([full.width, full.height], [64, 48])
        let cases: [((Int, Int), [Int])] = [
            ((16, 12), [16, 12]), ((17, 12), [32, 24]), ((8, 6), [8, 6]), ((1, 1), [8, 6]),
            ((64, 48), [64, 48]), ((40, 10), [64, 48])
        ]
        for (target, expected) in cases {
            let image = try decodeFixture("large.jpg", minimumSize: (target.0, target.1))
            XCTAssertEqual([image.width, image.height], expected, "target \(target)")
        }
        // The 1/4-scale decode is close to an area-shrink of the full decode (smooth gradient).
        let quarter = try decodeFixture("large.jpg", minimumSize: (16, 12))
        XCTAssertLessThanOrEqual(maxDifference(quarter.pixels, full.resized(width: 16, height: 12).pixels), 8)
    }

    func testMaxPixelsCapOnJPEG() {
        XCTAssertThrowsError(try decodeFixture("large.jpg", maxPixels: 1000)) { error in
            XCTAssertEqual(
                error as? ImageError, .tooLarge(path: fixturePath("large.jpg"), width: 64, height: 48, maxPixels: 1000))
        }
    }
}
