import Foundation
import ImageIO
import TestSupport

// The pixel formulas of scripts/fixtures/make_image_fixtures.py; change both together.
func fixtureGray(_ x: Int, _ y: Int) -> UInt8 { UInt8((x * 50 + y * 20) % 256) }
func fixtureRGB(_ x: Int, _ y: Int) -> [UInt8] {
    [UInt8((x * 60) % 256), UInt8((y * 100) % 256), UInt8((x * 30 + y * 40 + 7) % 256)]
}

func fixturePath(_ name: String) -> String { Fixtures.url("images/" + name).path }

func decodeFixture(
    _ name: String, maxPixels: Int = ImageDecoder.defaultMaxPixels,
    minimumSize: (width: Int, height: Int)? = nil
) throws -> Image {
    try ImageDecoder.decode(contentsOf: fixturePath(name), maxPixels: maxPixels, minimumSize: minimumSize)
}

/// The largest |a − b| over two byte arrays of equal length.
func maxDifference(_ a: [UInt8], _ b: [UInt8]) -> Int {
    precondition(a.count == b.count, "\(a.count) vs \(b.count)")
    return zip(a, b).map { abs(Int($0) - Int($1)) }.max() ?? 0
}
