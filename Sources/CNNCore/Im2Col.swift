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
    public var outputHeight: Int { slidingOutputSize(input: height, kernel: kernelHeight, stride: stride, padding: padding) }
    public var outputWidth: Int { slidingOutputSize(input: width, kernel: kernelWidth, stride: stride, padding: padding) }
    /// Rows of the column matrix: C·KH·KW.
    public var columnRows: Int { channels * kernelHeight * kernelWidth }
    /// Columns of the column matrix: OH·OW.
    public var columnCount: Int { outputHeight * outputWidth }

    public init(channels: Int, height: Int, width: Int, kernelHeight: Int, kernelWidth: Int, stride: Int, padding: Int) {
        self.channels = channels; self.height = height; self.width = width
        self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.stride = stride; self.padding = padding
    }

    /// A 1×1 kernel with stride 1 and no padding: the image already is its column matrix.
    public var isPointwise: Bool { kernelHeight == 1 && kernelWidth == 1 && stride == 1 && padding == 0 }
}

/// Fills `columns` (C·KH·KW, OH·OW) from one image `image` (C, H, W).
public func im2col(_ image: UnsafePointer<Float>, _ g: ConvGeometry, _ columns: UnsafeMutablePointer<Float>) {
    let OH = g.outputHeight, OW = g.outputWidth, H = g.height, W = g.width
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
