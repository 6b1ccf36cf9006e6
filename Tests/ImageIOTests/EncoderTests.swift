import ImageIO
import XCTest

final class EncoderTests: XCTestCase {
    func pattern(_ width: Int, _ height: Int, _ channels: Int) -> Image {
        var image = Image(width: width, height: height, channels: channels)
        for i in 0..<image.pixels.count { image.pixels[i] = UInt8((i * 37 + i / 7) % 256) }
        return image
    }

    func testPNGRoundTripIsExact() throws {
        for channels in 1...4 {
            let image = pattern(13, 9, channels)
            let bytes = try ImageEncoder.png(image)
            XCTAssertEqual(ImageFormat.sniff(bytes), .png)
            XCTAssertEqual(try ImageDecoder.decode(data: bytes), image, "\(channels) channels")
        }
    }

    func testJPEGRoundTripIsClose() throws {
        var smooth = Image(width: 32, height: 24, channels: 3)
        for y in 0..<24 {
            for x in 0..<32 { smooth[x, y, 0] = UInt8(x * 8); smooth[x, y, 1] = UInt8(y * 10); smooth[x, y, 2] = 90 }
        }
        for progressive in [false, true] {
            let bytes = try ImageEncoder.jpeg(smooth, quality: 95, progressive: progressive)
            let decoded = try ImageDecoder.decode(data: bytes)
            XCTAssertEqual([decoded.width, decoded.height, decoded.channels], [32, 24, 3])
            XCTAssertLessThanOrEqual(maxDifference(decoded.pixels, smooth.pixels), 8)
        }
        let gray = smooth.converted(toChannels: 1)
        let decodedGray = try ImageDecoder.decode(data: try ImageEncoder.jpeg(gray, quality: 95))
        XCTAssertEqual(decodedGray.channels, 1)
        XCTAssertLessThanOrEqual(maxDifference(decodedGray.pixels, gray.pixels), 4)
    }

    func testJPEGDropsAlphaOnWhite() throws {
        let transparent = Image(width: 8, height: 8, channels: 4)
        let decoded = try ImageDecoder.decode(data: try ImageEncoder.jpeg(transparent, quality: 95))
        XCTAssertTrue(decoded.pixels.allSatisfy { $0 >= 250 })
    }
}
