import ImageIO
import XCTest

final class TransformTests: XCTestCase {
    func testGrayToRGBReplicates() {
        let gray = Image(width: 2, height: 1, channels: 1, pixels: [7, 200])
        XCTAssertEqual(gray.converted(toChannels: 3).pixels, [7, 7, 7, 200, 200, 200])
    }

    func testRGBToGrayIsRoundedBT601Luma() {
        let rgb = Image(width: 4, height: 1, channels: 3, pixels: [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30])
        // 0.299·255 = 76.2 → 76; 0.587·255 = 149.7 → 150; 0.114·255 = 29.07 → 29; 2.99 + 11.74 + 3.42 = 18.15 → 18.
        XCTAssertEqual(rgb.converted(toChannels: 1).pixels, [76, 150, 29, 18])
    }

    func testAlphaIsCompositedOnWhite() {
        let rgba = Image(width: 3, height: 1, channels: 4, pixels: [0, 0, 0, 0, 0, 0, 0, 255, 100, 50, 0, 128])
        // transparent → white; opaque black stays; half: (100·128 + 255·127)/255 = 177.2 → 177, 152.2 → 152, 127.0 → 127.
        XCTAssertEqual(rgba.converted(toChannels: 3).pixels, [255, 255, 255, 0, 0, 0, 177, 152, 127])
        let grayAlpha = Image(width: 2, height: 1, channels: 2, pixels: [0, 0, 40, 255])
        XCTAssertEqual(grayAlpha.converted(toChannels: 1).pixels, [255, 40])
        XCTAssertEqual(grayAlpha.converted(toChannels: 4).pixels, [0, 0, 0, 0, 40, 40, 40, 255])
    }

    func testAreaShrinkAveragesBlocks() {
        // 4×4 gray, shrink by 2: each output pixel is the mean of its 2×2 block.
        let image = Image(
            width: 4, height: 4, channels: 1,
            pixels: [
                0, 2, 10, 20,
                4, 6, 30, 40,
                100, 100, 0, 255,
                100, 100, 255, 255
            ])
        XCTAssertEqual(image.resized(width: 2, height: 2).pixels, [3, 25, 100, 191])
        // Non-integer factor: 3 → 2 weighs the middle pixel half to each side.
        let row = Image(width: 3, height: 1, channels: 1, pixels: [0, 90, 180])
        XCTAssertEqual(row.resized(width: 2, height: 1).pixels, [30, 150])
    }

    func testShrinkDoesNotAlias() {
        // A 1-pixel checkerboard shrunk by 4 is flat gray, not a moiré of 0s and 255s.
        var image = Image(width: 16, height: 16, channels: 1)
        for y in 0..<16 { for x in 0..<16 { image[x, y, 0] = (x + y) % 2 == 0 ? 255 : 0 } }
        XCTAssertTrue(image.resized(width: 4, height: 4).pixels.allSatisfy { $0 == 128 })
    }

    func testBilinearEnlargeHalfPixelCentres() {
        // PyTorch F.interpolate([0, 100], size=4, mode="bilinear", align_corners=False) = [0, 25, 75, 100].
        let row = Image(width: 2, height: 1, channels: 1, pixels: [0, 100])
        XCTAssertEqual(row.resized(width: 4, height: 1).pixels, [0, 25, 75, 100])
        let constant = Image(width: 3, height: 2, channels: 3, pixels: [UInt8](repeating: 77, count: 18))
        XCTAssertTrue(constant.resized(width: 7, height: 5).pixels.allSatisfy { $0 == 77 })
    }

    func testCenterCrop() {
        var image = Image(width: 5, height: 4, channels: 1)
        for y in 0..<4 { for x in 0..<5 { image[x, y, 0] = UInt8(10 * y + x) } }
        // Excess 2 and 3: offset (1, 1); the odd extra pixel is cut on the right.
        XCTAssertEqual(image.centerCropped(width: 3, height: 2).pixels, [11, 12, 13, 21, 22, 23])
        XCTAssertEqual(image.centerCropped(width: 2, height: 4).pixels, [1, 2, 11, 12, 21, 22, 31, 32])
    }

    func testFittedKeepsAspectRatio() {
        // 8×4 → 2×2: scale to 4×2 (area), then crop the centre 2×2.
        var image = Image(width: 8, height: 4, channels: 1)
        for y in 0..<4 { for x in 0..<8 { image[x, y, 0] = UInt8(x * 10) } }
        XCTAssertEqual(image.fitted(width: 2, height: 2).pixels, [25, 45, 25, 45])
    }
}
