import Foundation
import ImageIO
import TestSupport
import XCTest

/// Replays Tests/Fixtures/fuzz/png and jpeg as the fuzz targets do: decoding either succeeds with a
/// consistent image or throws an error that names the file; it never crashes.
final class FuzzFindingsTests: XCTestCase {
    func replay(_ target: String, signature: [UInt8]) throws {
        for url in FuzzFindings.files(target) {
            var bytes = signature
            let input = [UInt8](try Data(contentsOf: url))
            bytes += input.starts(with: signature) ? Array(input.dropFirst(signature.count)) : input
            for minimumSize in [nil, (width: 8, height: 8)] as [(width: Int, height: Int)?] {
                do {
                    let image = try ImageDecoder.decode(
                        data: bytes, path: url.path, maxPixels: 1 << 20, minimumSize: minimumSize)
                    XCTAssertEqual(
                        image.pixels.count, image.width * image.height * image.channels, url.lastPathComponent)
                } catch {
                    XCTAssertTrue("\(error)".contains(url.path), "\(url.lastPathComponent): \(error)")
                }
            }
        }
    }

    func testPNGFindings() throws { try replay("png", signature: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) }
    func testJPEGFindings() throws { try replay("jpeg", signature: [0xFF, 0xD8, 0xFF]) }
}
