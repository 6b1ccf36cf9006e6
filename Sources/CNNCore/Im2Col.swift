/// im2col / col2im for one image, as in Darknet and Caffe.
///
/// Legend: C = input channels, H, W = input size, K = kernel height·width,
/// OH, OW = output size. `columns` is (C·KH·KW, OH·OW): row r = (c, ky, kx) holds the input pixel
/// that kernel tap (ky, kx) of channel c sees at every output position; zero where it falls in
/// the padding. Then a convolution is one GEMM: weights (F, C·KH·KW) × columns → (F, OH·OW).
public struct ConvGeometry: Hashable, Sendable {
    public let channels: Int, height: Int, width: Int
    public let kernelHeight: Int, kernelWidth: Int
    public let stride: Int, padding: Int
    public var outputHeight: Int {
        slidingOutputSize(input: height, kernel: kernelHeight, stride: stride, padding: padding)
    }
    public var outputWidth: Int {
        slidingOutputSize(input: width, kernel: kernelWidth, stride: stride, padding: padding)
    }
    /// Rows of the column matrix: C·KH·KW.
    public var columnRows: Int { channels * kernelHeight * kernelWidth }
    /// Columns of the column matrix: OH·OW.
    public var columnCount: Int { outputHeight * outputWidth }

    public init(channels: Int, height: Int, width: Int, kernelHeight: Int, kernelWidth: Int, stride: Int, padding: Int)
    {
        self.channels = channels; self.height = height; self.width = width
        self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.stride = stride; self.padding = padding
    }

    /// A 1×1 kernel with stride 1 and no padding: the image already is its column matrix.
    public var isPointwise: Bool { kernelHeight == 1 && kernelWidth == 1 && stride == 1 && padding == 0 }

    /// Stride 1 with the output as large as the input ("same" padding, e.g. 3×3 pad 1): every row of
    /// the column matrix is the whole input plane shifted by (ky − pad, kx − pad).
    /// (Padding must be smaller than the image, so a shift never skips a whole row or plane.)
    public var isSameSizeStrideOne: Bool {
        stride == 1 && outputHeight == height && outputWidth == width && padding < height && padding < width
    }
}

/// The part of a same-size, stride-1 column row (OH·OW = H·W) that comes from the plane shifted by
/// (dy, dx): the column positions `range` read the plane at position + `offset`. Positions outside
/// `range` (whole rows off the plane) and the `dx` columns at the left or right edge of every row
/// (which the contiguous range wraps onto the neighbouring row) are padding.
@inline(__always)
private func shiftedRange(dy: Int, dx: Int, height H: Int, width W: Int) -> (range: Range<Int>, offset: Int) {
    let firstRow = max(0, -dy), endRow = min(H, H - dy)
    guard endRow > firstRow else { return (0..<0, 0) }
    // Trim one element per unit of |dx| at the start (dx < 0) or end (dx > 0) so the copy never
    // reads before or after the plane; those positions are edge padding anyway.
    let start = firstRow * W + max(0, -dx), end = endRow * W - max(0, dx)
    return (start..<max(start, end), dy * W + dx)
}

/// Fills `columns` (C·KH·KW, OH·OW) from one image `image` (C, H, W).
public func im2col(_ image: UnsafePointer<Float>, _ g: ConvGeometry, _ columns: UnsafeMutablePointer<Float>) {
    let OH = g.outputHeight, OW = g.outputWidth, H = g.height, W = g.width
    if g.isSameSizeStrideOne {
        // One contiguous copy per row instead of OH short ones, then the wrapped edge columns zeroed.
        let HW = H * W
        var row = 0
        for c in 0..<g.channels {
            let plane = image + c * HW
            for ky in 0..<g.kernelHeight {
                for kx in 0..<g.kernelWidth {
                    let out = columns + row * HW
                    let dy = ky - g.padding, dx = kx - g.padding
                    let (range, offset) = shiftedRange(dy: dy, dx: dx, height: H, width: W)
                    out.update(repeating: 0, count: range.lowerBound)
                    (out + range.lowerBound).update(from: plane + range.lowerBound + offset, count: range.count)
                    (out + range.upperBound).update(repeating: 0, count: HW - range.upperBound)
                    // The edge columns the contiguous copy wrapped in from the neighbouring rows.
                    if dx != 0 && !range.isEmpty {
                        let edge = dx > 0 ? W - dx : 0
                        for y in (range.lowerBound / W)...((range.upperBound - 1) / W) {
                            (out + y * W + edge).update(repeating: 0, count: abs(dx))
                        }
                    }
                    row += 1
                }
            }
        }
        return
    }
    var row = 0
    for c in 0..<g.channels {
        let plane = image + c * H * W
        for ky in 0..<g.kernelHeight {
            for kx in 0..<g.kernelWidth {
                let out = columns + row * OH * OW
                for oy in 0..<OH {
                    let iy = oy * g.stride - g.padding + ky
                    let outRow = out + oy * OW
                    if iy < 0 || iy >= H {
                        outRow.update(repeating: 0, count: OW)
                        continue
                    }
                    let inRow = plane + iy * W
                    if g.stride == 1 {
                        // Contiguous run: zero the padded ends, copy the middle.
                        let shift = kx - g.padding
                        let first = max(0, -shift), last = min(OW, W - shift)
                        if first > 0 { outRow.update(repeating: 0, count: min(first, OW)) }
                        if last > first { (outRow + first).update(from: inRow + first + shift, count: last - first) }
                        if last < OW { (outRow + max(last, 0)).update(repeating: 0, count: OW - max(last, 0)) }
                    } else {
                        for ox in 0..<OW {
                            let ix = ox * g.stride - g.padding + kx
                            outRow[ox] = (ix >= 0 && ix < W) ? inRow[ix] : 0
                        }
                    }
                }
                row += 1
            }
        }
    }
}

/// Adds `columns` (C·KH·KW, OH·OW) back into `image` (C, H, W): the adjoint of `im2col`.
/// `image` is accumulated into, so zero it first for a plain gradient.
public func col2im(_ columns: UnsafePointer<Float>, _ g: ConvGeometry, _ image: UnsafeMutablePointer<Float>) {
    let OH = g.outputHeight, OW = g.outputWidth, H = g.height, W = g.width
    if g.isSameSizeStrideOne {
        let HW = H * W
        var row = 0
        for c in 0..<g.channels {
            let plane = image + c * HW
            for ky in 0..<g.kernelHeight {
                for kx in 0..<g.kernelWidth {
                    let source = columns + row * HW
                    let dy = ky - g.padding, dx = kx - g.padding
                    let (range, offset) = shiftedRange(dy: dy, dx: dx, height: H, width: W)
                    row += 1
                    guard !range.isEmpty else { continue }
                    if dx == 0 {
                        let target = plane + offset
                        for i in range { target[i] += source[i] }
                        continue
                    }
                    // Row by row, leaving out the |dx| wrapped edge columns.
                    let first = dx > 0 ? 0 : -dx, last = dx > 0 ? W - dx : W
                    for y in (range.lowerBound / W)...((range.upperBound - 1) / W) {
                        let target = plane + y * W + offset, sourceRow = source + y * W
                        for x in first..<last { target[x] += sourceRow[x] }
                    }
                }
            }
        }
        return
    }
    var row = 0
    for c in 0..<g.channels {
        let plane = image + c * H * W
        for ky in 0..<g.kernelHeight {
            for kx in 0..<g.kernelWidth {
                let source = columns + row * OH * OW
                for oy in 0..<OH {
                    let iy = oy * g.stride - g.padding + ky
                    if iy < 0 || iy >= H { continue }
                    let inRow = plane + iy * W
                    let srcRow = source + oy * OW
                    if g.stride == 1 {
                        let shift = kx - g.padding
                        let first = max(0, -shift), last = min(OW, W - shift)
                        if last > first {
                            for ox in first..<last { inRow[ox + shift] += srcRow[ox] }
                        }
                    } else {
                        for ox in 0..<OW {
                            let ix = ox * g.stride - g.padding + kx
                            if ix >= 0 && ix < W { inRow[ix] += srcRow[ox] }
                        }
                    }
                }
                row += 1
            }
        }
    }
}
