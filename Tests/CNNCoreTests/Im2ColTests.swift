import CNNCore
import TestSupport
import XCTest

final class Im2ColTests: XCTestCase {
    /// im2col by its definition: row (c, ky, kx), column (oy, ox) holds the image value at
    /// (c, oy·S − PAD + ky, ox·S − PAD + kx), or 0 in the padding.
    static func definition(_ image: Tensor, _ g: ConvGeometry) -> [Float] {
        var columns = [Float](repeating: 0, count: g.columnRows * g.columnCount)
        let K = g.kernelHeight, H = g.height, W = g.width
        for c in 0..<g.channels {
            for ky in 0..<K {
                for kx in 0..<g.kernelWidth {
                    let row = (c * K + ky) * g.kernelWidth + kx
                    for oy in 0..<g.outputHeight {
                        for ox in 0..<g.outputWidth {
                            let iy = oy * g.stride - g.padding + ky, ix = ox * g.stride - g.padding + kx
                            if iy >= 0 && iy < H && ix >= 0 && ix < W {
                                columns[row * g.columnCount + oy * g.outputWidth + ox] = image[(c * H + iy) * W + ix]
                            }
                        }
                    }
                }
            }
        }
        return columns
    }

    /// For one geometry: im2col against its definition (the columns start as NaN, so every element
    /// must be written) and col2im as its adjoint, ⟨im2col(x), y⟩ = ⟨x, col2im(y)⟩ for a random y.
    static func check(
        channels: Int, height: Int, width: Int, kernel: Int, stride: Int, padding: Int,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        let g = ConvGeometry(
            channels: channels, height: height, width: width, kernelHeight: kernel, kernelWidth: kernel,
            stride: stride, padding: padding)
        let name = "\(height)×\(width) k \(kernel) stride \(stride) pad \(padding)"
        let image = GradientCheck.randomTensor(Shape(channels, height, width), seed: 5)
        let columns = Tensor(shape: Shape(g.columnRows, g.columnCount))
        columns.data.update(repeating: .nan, count: columns.count)
        im2col(image.data, g, columns.data)
        XCTAssertEqual(columns.array, definition(image, g), name, file: file, line: line)
        let y = GradientCheck.randomTensor(columns.shape, seed: 12)
        let back = Tensor(shape: image.shape)
        col2im(y.data, g, back.data)
        var left = 0.0, right = 0.0
        for i in 0..<y.count { left += Double(columns[i]) * Double(y[i]) }
        for i in 0..<image.count { right += Double(image[i]) * Double(back[i]) }
        XCTAssertEqual(left, right, accuracy: 1e-4 * max(1, abs(left)), name, file: file, line: line)
    }

    /// Stride 1, 2 and 3, padding 0, 1, 2.
    func testIm2colMatchesDefinition() {
        for (stride, padding, kernel) in [(1, 0, 3), (1, 1, 3), (2, 1, 3), (1, 2, 5), (2, 0, 1), (1, 0, 1), (3, 2, 2)] {
            Self.check(channels: 3, height: 7, width: 6, kernel: kernel, stride: stride, padding: padding)
        }
    }

    func testCol2imIsAdjointOfIm2col() {
        for (stride, padding, kernel) in [(1, 1, 3), (2, 1, 3), (1, 2, 5), (2, 0, 2)] {
            Self.check(channels: 2, height: 9, width: 8, kernel: kernel, stride: stride, padding: padding)
        }
    }

    /// The same-size stride-1 fast path (one shifted copy per row), on shapes where the shift wraps
    /// across rows, and on images so small that the padding reaches past them (those take the
    /// general path).
    func testSameSizeStrideOneMatchesDefinition() {
        for (height, width) in [(1, 1), (2, 3), (3, 2), (4, 4), (5, 9), (28, 28)] {
            for (kernel, padding) in [(3, 1), (5, 2), (1, 0)] {
                Self.check(channels: 2, height: height, width: width, kernel: kernel, stride: 1, padding: padding)
            }
        }
    }
}
