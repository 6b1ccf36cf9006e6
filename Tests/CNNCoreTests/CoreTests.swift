import CNNCore
import Foundation
import XCTest

final class CoreTests: XCTestCase {
    /// Buffers of 2 MiB or more sit on 2 MiB boundaries (huge pages, `TensorMemory`), start zeroed,
    /// survive growing and shrinking, and small ones are plain allocations.
    func testLargeTensorsAreHugePageAligned() throws {
        try XCTSkipIf(
            ProcessInfo.processInfo.environment["CNNTRAIN_HUGEPAGES"] == "off", "CNNTRAIN_HUGEPAGES=off")
        let large = Tensor(shape: Shape(3, 1 << 18))  // 3 MiB
        XCTAssertEqual(Int(bitPattern: large.data) % (2 << 20), 0, "a 3 MiB tensor starts on a 2 MiB boundary")
        XCTAssertTrue(large.array.allSatisfy { $0 == 0 })
        large.fill(2)
        large.resize(to: Shape(5, 1 << 18))  // grows: a new buffer, zeroed
        XCTAssertEqual(Int(bitPattern: large.data) % (2 << 20), 0)
        XCTAssertTrue(large.array.allSatisfy { $0 == 0 })
        large.resize(to: Shape(16))  // shrinks: the same buffer
        large.fill(1)
        XCTAssertEqual(large.array, [Float](repeating: 1, count: 16))
        let small = Tensor(shape: Shape(1000))
        XCTAssertEqual(small.count, 1000)
    }

    func testSeededGeneratorRepeats() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42), c = SeededGenerator(seed: 43)
        let first = (0..<5).map { _ in a.next() }
        XCTAssertEqual(first, (0..<5).map { _ in b.next() })
        XCTAssertNotEqual(first, (0..<5).map { _ in c.next() })
    }

    func testKaimingUniformBoundAndSpread() {
        var generator = SeededGenerator(seed: 1)
        let weights = Tensor(shape: Shape(64, 32, 3, 3))
        Initialization.kaimingUniform(weights, fanIn: 32 * 9, generator: &generator)
        let bound = 1 / Float(32 * 9).squareRoot()
        XCTAssertTrue(weights.array.allSatisfy { abs($0) <= bound })
        // The variance of U(−b, b) is b²/3.
        let variance = weights.array.reduce(0) { $0 + Double($1 * $1) } / Double(weights.count)
        XCTAssertEqual(variance, Double(bound * bound) / 3, accuracy: Double(bound * bound) * 0.03)
    }

    func testResizeReusesStorage() {
        let t = Tensor(shape: Shape(4, 8))
        let start = t.data
        t.resize(to: Shape(2, 8))
        XCTAssertEqual(t.data, start)
        XCTAssertEqual(t.count, 16)
        t.resize(to: Shape(4, 8))
        XCTAssertEqual(t.data, start)
    }

    func testChunksCoverRangeOnce() {
        for count in [1, 2, 7, 64] {
            for chunks in 1...4 where chunks <= count {
                let ranges = (0..<chunks).map { Parallel.chunkRange($0, of: chunks, count: count) }
                XCTAssertEqual(ranges.map(\.count).reduce(0, +), count)
                XCTAssertEqual(ranges.first?.lowerBound, 0)
                XCTAssertEqual(ranges.last?.upperBound, count)
            }
        }
    }
}
