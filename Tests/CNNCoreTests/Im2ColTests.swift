import CNNCore
import TestSupport
import XCTest

final class Im2ColTests: XCTestCase {
    /// im2col against a direct definition, for stride 1 and 2 and padding 0, 1, 2.
    func testIm2colMatchesDefinition() {
        for (stride, padding, kernel) in [(1, 0, 3), (1, 1, 3), (2, 1, 3), (1, 2, 5), (2, 0, 1), (1, 0, 1), (3, 2, 2)] {
            let g = ConvGeometry(
                channels: 3, height: 7, width: 6, kernelHeight: kernel, kernelWidth: kernel,
                stride: stride, padding: padding)
            let image = GradientCheck.randomTensor(Shape(3, 7, 6), seed: 5)
            let columns = Tensor(shape: Shape(g.columnRows, g.columnCount))
            im2col(image.data, g, columns.data)
            for c in 0..<3 {
                for ky in 0..<kernel {
                    for kx in 0..<kernel {
                        let row = (c * kernel + ky) * kernel + kx
                        for oy in 0..<g.outputHeight {
                            for ox in 0..<g.outputWidth {
                                let iy = oy * stride - padding + ky, ix = ox * stride - padding + kx
                                let expected: Float =
                                    (iy >= 0 && iy < 7 && ix >= 0 && ix < 6) ? image[(c * 7 + iy) * 6 + ix] : 0
                                XCTAssertEqual(
                                    columns[row * g.columnCount + oy * g.outputWidth + ox], expected,
                                    "stride \(stride) pad \(padding) k \(kernel)")
                            }
                        }
                    }
                }
            }
        }
    }

    /// col2im is the adjoint of im2col: ⟨im2col(x), y⟩ = ⟨x, col2im(y)⟩.
    func testCol2imIsAdjointOfIm2col() {
        for (stride, padding, kernel) in [(1, 1, 3), (2, 1, 3), (1, 2, 5), (2, 0, 2)] {
            let g = ConvGeometry(
                channels: 2, height: 9, width: 8, kernelHeight: kernel, kernelWidth: kernel,
                stride: stride, padding: padding)
            let x = GradientCheck.randomTensor(Shape(2, 9, 8), seed: 11)
            let y = GradientCheck.randomTensor(Shape(g.columnRows, g.columnCount), seed: 12)
            let columns = Tensor(shape: y.shape)
            im2col(x.data, g, columns.data)
            let back = Tensor(shape: x.shape)
            col2im(y.data, g, back.data)
            var left = 0.0, right = 0.0
            for i in 0..<y.count { left += Double(columns[i]) * Double(y[i]) }
            for i in 0..<x.count { right += Double(x[i]) * Double(back[i]) }
            XCTAssertEqual(left, right, accuracy: 1e-4 * max(1, abs(left)))
        }
    }

    /// The same-size stride-1 fast path (one shifted copy per row) against the definition and as
    /// col2im's adjoint, on shapes where the shift wraps across rows, and on images so small that
    /// the padding reaches past them (those take the general path).
    func testSameSizeStrideOneMatchesDefinition() {
        for (height, width) in [(1, 1), (2, 3), (3, 2), (4, 4), (5, 9), (28, 28)] {
            for (kernel, padding) in [(3, 1), (5, 2), (1, 0)] {
                let g = ConvGeometry(
                    channels: 2, height: height, width: width, kernelHeight: kernel, kernelWidth: kernel,
                    stride: 1, padding: padding)
                let image = GradientCheck.randomTensor(Shape(2, height, width), seed: 7)
                let columns = Tensor(shape: Shape(g.columnRows, g.columnCount))
                columns.data.update(repeating: .nan, count: columns.count)  // every element must be written
                im2col(image.data, g, columns.data)
                for c in 0..<2 {
                    for ky in 0..<kernel {
                        for kx in 0..<kernel {
                            let row = (c * kernel + ky) * kernel + kx
                            for oy in 0..<g.outputHeight {
                                for ox in 0..<g.outputWidth {
                                    let iy = oy - padding + ky, ix = ox - padding + kx
                                    let expected: Float =
                                        (iy >= 0 && iy < height && ix >= 0 && ix < width)
                                        ? image[(c * height + iy) * width + ix] : 0
                                    XCTAssertEqual(
                                        columns[row * g.columnCount + oy * g.outputWidth + ox], expected,
                                        "\(height)×\(width) k \(kernel) pad \(padding)")
                                }
                            }
                        }
                    }
                }
                let y = GradientCheck.randomTensor(columns.shape, seed: 8)
                let back = Tensor(shape: image.shape)
                col2im(y.data, g, back.data)
                var left = 0.0, right = 0.0
                for i in 0..<y.count { left += Double(columns[i]) * Double(y[i]) }
                for i in 0..<image.count { right += Double(image[i]) * Double(back[i]) }
                XCTAssertEqual(
                    left, right, accuracy: 1e-4 * max(1, abs(left)), "\(height)×\(width) k \(kernel) pad \(padding)")
            }
        }
    }
}
