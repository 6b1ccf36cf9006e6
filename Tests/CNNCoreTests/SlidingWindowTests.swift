import CNNCore
import XCTest

/// `slidingOutputSize`, the one sliding-window formula (conv, pools, im2col, model files).
final class SlidingWindowTests: XCTestCase {
    /// PyTorch's floor mode: ⌊(input + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1.
    func testMatchesPyTorch() {
        XCTAssertEqual(slidingOutputSize(input: 28, kernel: 3, stride: 1, padding: 1), 28)
        XCTAssertEqual(slidingOutputSize(input: 28, kernel: 2, stride: 2, padding: 0), 14)
        XCTAssertEqual(slidingOutputSize(input: 7, kernel: 3, stride: 2, padding: 1), 4)
        XCTAssertEqual(slidingOutputSize(input: 5, kernel: 3, stride: 1, padding: 0, dilation: 2), 1)
        XCTAssertEqual(slidingOutputSize(input: 4, kernel: 4, stride: 3, padding: 0), 1, "a window that just fits")
    }

    /// A window larger than the padded input gives no output (integer division truncates toward
    /// zero, so the bare formula would say 1 here).
    func testAWindowThatDoesNotFitGivesZero() {
        XCTAssertEqual(slidingOutputSize(input: 2, kernel: 4, stride: 3, padding: 0), 0)
        XCTAssertEqual(slidingOutputSize(input: 28, kernel: 40, stride: 1, padding: 0), 0)
        XCTAssertEqual(slidingOutputSize(input: 1, kernel: 4, stride: 1, padding: 1), 0)
    }
}
