import ImageIO
import XCTest

/// Every PNG variant of Tests/Fixtures/images decodes to the pixels scripts/fixtures/make_image_fixtures.py wrote.
final class PNGDecodeTests: XCTestCase {
    func testGray8() throws {
        let image = try decodeFixture("gray8.png")
        XCTAssertEqual([image.width, image.height, image.channels], [5, 3, 1])
        for y in 0..<3 { for x in 0..<5 { XCTAssertEqual(image[x, y, 0], fixtureGray(x, y)) } }
    }

    func testGray16ScalesTo8Bits() throws {
        // Samples were written as v·257, which scale_16 maps back to v exactly.
        let image = try decodeFixture("gray16.png")
        XCTAssertEqual(image.channels, 1)
        for y in 0..<3 { for x in 0..<5 { XCTAssertEqual(image[x, y, 0], fixtureGray(x, y)) } }
    }

    func testGray1BitExpands() throws {
        let image = try decodeFixture("gray1.png")
        XCTAssertEqual([image.width, image.height, image.channels], [9, 2, 1])
        for y in 0..<2 { for x in 0..<9 { XCTAssertEqual(image[x, y, 0], (x + y) % 2 == 0 ? 255 : 0) } }
    }

    func testGrayAlpha() throws {
        let image = try decodeFixture("gray_alpha.png")
        XCTAssertEqual(image.channels, 2)
        for y in 0..<3 {
            for x in 0..<5 { XCTAssertEqual([image[x, y, 0], image[x, y, 1]], [fixtureGray(x, y), UInt8(x * 60)]) }
        }
    }

    func testGrayTRNSBecomesAlpha() throws {
        let image = try decodeFixture("gray_trns.png")
        XCTAssertEqual(image.channels, 2)
        XCTAssertEqual(image.pixels, [100, 0, 50, 255, 100, 0, 200, 255])
    }

    func testPaletteWithTRNS() throws {
        let image = try decodeFixture("palette.png")
        XCTAssertEqual([image.width, image.height, image.channels], [4, 2, 4])
        let palette: [[UInt8]] = [[255, 0, 0, 0], [0, 255, 0, 128], [0, 0, 255, 255], [10, 20, 30, 255]]
        let indices = [0, 1, 2, 3, 3, 2, 1, 0]
        XCTAssertEqual(image.pixels, indices.flatMap { palette[$0] })
    }

    func testPalette4BitWithoutTRNSIsRGB() throws {
        let image = try decodeFixture("palette4.png")
        XCTAssertEqual(image.channels, 3)
        XCTAssertEqual(image.pixels, [10, 20, 30, 0, 0, 255, 0, 255, 0, 255, 0, 0])
    }

    func testRGBAndRGB16() throws {
        for name in ["rgb.png", "rgb16.png"] {
            let image = try decodeFixture(name)
            XCTAssertEqual([image.width, image.height, image.channels], [5, 3, 3], name)
            for y in 0..<3 {
                for x in 0..<5 { XCTAssertEqual((0..<3).map { image[x, y, $0] }, fixtureRGB(x, y), name) }
            }
        }
    }

    func testRGBA() throws {
        let image = try decodeFixture("rgba.png")
        XCTAssertEqual(image.channels, 4)
        for y in 0..<3 {
            for x in 0..<5 { XCTAssertEqual((0..<4).map { image[x, y, $0] }, fixtureRGB(x, y) + [UInt8(x * 60)]) }
        }
    }

    func testInterlacedAdam7() throws {
        let image = try decodeFixture("interlaced.png")
        XCTAssertEqual([image.width, image.height, image.channels], [9, 7, 3])
        for y in 0..<7 { for x in 0..<9 { XCTAssertEqual((0..<3).map { image[x, y, $0] }, fixtureRGB(x, y)) } }
    }

    func testMaxPixelsCapOnValidImage() {
        XCTAssertThrowsError(try decodeFixture("rgb.png", maxPixels: 14)) { error in
            XCTAssertEqual(
                error as? ImageError, .tooLarge(path: fixturePath("rgb.png"), width: 5, height: 3, maxPixels: 14))
        }
        XCTAssertNoThrow(try decodeFixture("rgb.png", maxPixels: 15))
    }
}
