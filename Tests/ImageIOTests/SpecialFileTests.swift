import Foundation
import ImageIO
import XCTest

/// Paths that are not regular files: refused at once with a message naming them, never a hang.
final class SpecialFileTests: XCTestCase {
    /// Hung forever before the fix: open(2) of a FIFO waits for a writer.
    func testFIFONamedLikeAnImageIsRefusedWithoutWaiting() throws {
        let path = NSTemporaryDirectory() + "cnntrain-fifo-\(getpid()).png"
        unlink(path)
        guard mkfifo(path, 0o600) == 0 else { throw XCTSkip("mkfifo failed: \(String(cString: strerror(errno)))") }
        defer { unlink(path) }
        let start = Date()
        XCTAssertThrowsError(try ImageDecoder.decode(contentsOf: path)) { error in
            XCTAssertEqual("\(error)", "\(path): cannot read: is not a regular file (a FIFO, socket or device)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
    }

    func testDeviceIsRefused() {
        XCTAssertThrowsError(try ImageDecoder.decode(contentsOf: "/dev/zero")) { error in
            XCTAssertTrue("\(error)".hasPrefix("/dev/zero: cannot read: is not a regular file"), "\(error)")
        }
    }
}
