import CNNCore

// Legend (this file): N = batch size, C = channels, H, W = input size, OH, OW = output size,
// K = kernel size (K×K), S = stride, PAD = padding.

/// Max pooling, as `torch.nn.MaxPool2d(kernel_size, stride, padding)` (floor mode, no dilation).
///
/// Padding counts as −∞ (never chosen). The flat index of each window's maximum within its
/// (H, W) plane is saved for backward, which routes each output gradient to that one input.
/// Ties and NaN follow PyTorch: the first maximum in row-major window order wins; a NaN wins.
public final class MaxPool2D: WindowPooling {
    public let geometry: PoolWindow

    private let output = Tensor(shape: Shape(0))  // (N, C, OH, OW)
    private let inputGradient = Tensor(shape: Shape(0))  // (N, C, H, W)
    private var argmax: [Int32] = []  // (N, C, OH, OW), index into the (H, W) plane
    private var inputShape: Shape?
    /// Whether 2×2 stride-2 windows run `PoolKernels` (AVX-512, same bits) instead of the Swift
    /// loops below; tests turn it off to compare the two.
    public var usesKernels = ConvKernels.isAvailable

    /// See `PoolWindow` for the meaning and defaults of the arguments.
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        geometry = PoolWindow(kernelSize: kernelSize, stride: stride, padding: padding)
    }

    public var summary: String { geometry.summary("maxpool") }

    public func forward(_ input: Tensor, mode: Mode) -> Tensor {
        let s = input.shape
        precondition(s.rank == 4, "\(summary) needs input (N, C, H, W), got \(s)")
        let outShape = outputShape(for: s)
        output.resize(to: outShape)
        if argmax.count != output.count { argmax = [Int32](repeating: 0, count: output.count) }
        inputShape = s
        let H = s.height, W = s.width, OH = outShape.height, OW = outShape.width
        let K = kernelSize, S = stride, PAD = padding
        let x = input.data, y = output.data
        let kernel = usesKernels && K == 2 && S == 2 && PAD == 0
        argmax.withUnsafeMutableBufferPointer { indices in
            let index = indices.baseAddress!
            Parallel.forEachChunk(s.batch * s.channels) { _, planes in
                if kernel {
                    let first = planes.lowerBound
                    PoolKernels.maxPool2x2Forward(
                        x + first * H * W, planes: planes.count, height: H, width: W, output: y + first * OH * OW,
                        index: index + first * OH * OW)
                    return
                }
                for plane in planes {
                    let xPlane = x + plane * H * W
                    let yPlane = y + plane * OH * OW, iPlane = index + plane * OH * OW
                    if K == 2 && S == 2 && PAD == 0 {
                        Self.forward2x2(xPlane, W, OH, OW, yPlane, iPlane)
                        continue
                    }
                    for oy in 0..<OH {
                        let y0 = oy * S - PAD, yStart = max(y0, 0), yEnd = min(y0 + K, H)
                        for ox in 0..<OW {
                            let x0 = ox * S - PAD, xStart = max(x0, 0), xEnd = min(x0 + K, W)
                            var best = -Float.infinity, bestIndex = yStart * W + xStart
                            for iy in yStart..<yEnd {
                                for ix in xStart..<xEnd {
                                    let value = xPlane[iy * W + ix]
                                    if value > best || value.isNaN { best = value; bestIndex = iy * W + ix }
                                }
                            }
                            yPlane[oy * OW + ox] = best
                            iPlane[oy * OW + ox] = Int32(bestIndex)
                        }
                    }
                }
            }
        }
        return output
    }

    /// Version 3 (where AVX-512F is available, `usesKernels`): `PoolKernels`, the same bits with 16
    /// windows per AVX-512 step (Sources/CKernels/maxpool_kernels.c: 0.60 → 0.41 ms for a 64×32×28×28
    /// batch, one thread). The Swift code is built for baseline x86-64, where the selects below are
    /// SSE2.
    ///
    /// Version 2: the common 2×2 stride-2 unpadded window, 8 (or 4) outputs at a time with SIMD
    /// selects; the last vector of a row overlaps the one before. Version 1, the general loop in
    /// `forward`, mispredicts a branch per comparison on real data (2.5 ms vs 0.6 ms for a
    /// 64×32×28×28 batch on 2 threads).
    @inline(__always)
    private static func forward2x2(
        _ x: UnsafeMutablePointer<Float>, _ W: Int, _ OH: Int, _ OW: Int,
        _ y: UnsafeMutablePointer<Float>, _ index: UnsafeMutablePointer<Int32>
    ) {
        for oy in 0..<OH {
            let top = 2 * oy * W, row = oy * OW
            if OW >= 8 {
                for start in Swift.stride(from: 0, to: OW, by: 8) {
                    let ox = min(start, OW - 8), a = top + 2 * ox
                    let upper = UnsafeRawPointer(x + a).loadUnaligned(as: SIMD16<Float>.self)
                    let lower = UnsafeRawPointer(x + a + W).loadUnaligned(as: SIMD16<Float>.self)
                    let first = SIMD8<Int32>(0, 2, 4, 6, 8, 10, 12, 14) &+ Int32(a)
                    let (best, at) = select(
                        upper.evenHalf, upper.oddHalf, lower.evenHalf, lower.oddHalf, first, Int32(W))
                    UnsafeMutableRawPointer(y + row + ox).storeBytes(of: best, as: SIMD8<Float>.self)
                    UnsafeMutableRawPointer(index + row + ox).storeBytes(of: at, as: SIMD8<Int32>.self)
                }
            } else if OW >= 4 {
                for pass in 0..<2 {
                    let ox = pass == 0 ? 0 : OW - 4
                    let a = top + 2 * ox
                    let upper = UnsafeRawPointer(x + a).loadUnaligned(as: SIMD8<Float>.self)
                    let lower = UnsafeRawPointer(x + a + W).loadUnaligned(as: SIMD8<Float>.self)
                    let first = SIMD4<Int32>(0, 2, 4, 6) &+ Int32(a)
                    let (best, at) = select(
                        upper.evenHalf, upper.oddHalf, lower.evenHalf, lower.oddHalf, first, Int32(W))
                    UnsafeMutableRawPointer(y + row + ox).storeBytes(of: best, as: SIMD4<Float>.self)
                    UnsafeMutableRawPointer(index + row + ox).storeBytes(of: at, as: SIMD4<Int32>.self)
                }
            } else {
                scalar2x2(x, W, top, row, 0, OW, y, index)
            }
        }
    }

    /// Lane-wise maximum of the windows (a b / c d) and its index, `first` being a's index.
    /// Row-major window order; a later value wins only if larger or NaN (PyTorch's rule).
    /// (Written for each width: a generic version was not specialized and ran 20× slower.)
    @inline(__always)
    private static func select(
        _ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>, _ d: SIMD8<Float>,
        _ first: SIMD8<Int32>, _ W: Int32
    ) -> (SIMD8<Float>, SIMD8<Int32>) {
        var best = a, at = first
        var take = (b .> best) .| (b .!= b)
        best.replace(with: b, where: take)
        at.replace(with: first &+ 1, where: take)
        take = (c .> best) .| (c .!= c)
        best.replace(with: c, where: take)
        at.replace(with: first &+ W, where: take)
        take = (d .> best) .| (d .!= d)
        best.replace(with: d, where: take)
        at.replace(with: first &+ (W + 1), where: take)
        return (best, at)
    }

    @inline(__always)
    private static func select(
        _ a: SIMD4<Float>, _ b: SIMD4<Float>, _ c: SIMD4<Float>, _ d: SIMD4<Float>,
        _ first: SIMD4<Int32>, _ W: Int32
    ) -> (SIMD4<Float>, SIMD4<Int32>) {
        var best = a, at = first
        var take = (b .> best) .| (b .!= b)
        best.replace(with: b, where: take)
        at.replace(with: first &+ 1, where: take)
        take = (c .> best) .| (c .!= c)
        best.replace(with: c, where: take)
        at.replace(with: first &+ W, where: take)
        take = (d .> best) .| (d .!= d)
        best.replace(with: d, where: take)
        at.replace(with: first &+ (W + 1), where: take)
        return (best, at)
    }

    /// Outputs `from..<OW` of one output row of the 2×2 stride-2 case, one at a time.
    @inline(__always)
    private static func scalar2x2(
        _ x: UnsafeMutablePointer<Float>, _ W: Int, _ top: Int, _ row: Int, _ from: Int, _ OW: Int,
        _ y: UnsafeMutablePointer<Float>, _ index: UnsafeMutablePointer<Int32>
    ) {
        for ox in from..<OW {
            let a = top + 2 * ox
            var at = a, best = x[a]
            func consider(_ candidate: Int) {
                if x[candidate] > best || x[candidate].isNaN { at = candidate; best = x[candidate] }
            }
            consider(a + 1)
            consider(a + W)
            consider(a + W + 1)
            y[row + ox] = best
            index[row + ox] = Int32(at)
        }
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient else { return nil }
        return backward(outputGradient, throughReLU: false)
    }

    /// Routes each output gradient to its window's maximum; `throughReLU`: only where the pooled
    /// value is > 0 (see `PrecedingReLUFusing`).
    private func backward(_ outputGradient: Tensor, throughReLU: Bool) -> Tensor {
        let s = sizeInputGradient(inputGradient, of: outputGradient, output: output, inputShape: inputShape, summary)
        let HW = s.height * s.width, OHW = output.shape.height * output.shape.width
        let dy = outputGradient.data, dx = inputGradient.data, y = output.data
        let windows2x2 = kernelSize == 2 && stride == 2 && padding == 0
        let W = s.width, OH = output.shape.height, OW = output.shape.width
        let kernel = usesKernels && windows2x2
        argmax.withUnsafeBufferPointer { indices in
            let index = indices.baseAddress!
            Parallel.forEachChunk(s.batch * s.channels) { _, planes in
                if kernel {
                    let o0 = planes.lowerBound * OHW
                    PoolKernels.maxPool2x2Backward(
                        dy + o0, clamped: throughReLU ? y + o0 : nil, index: index + o0, planes: planes.count,
                        height: s.height, width: W, inputGradient: dx + planes.lowerBound * HW)
                    return
                }
                for plane in planes {
                    let dxPlane = dx + plane * HW
                    if windows2x2 {
                        let o0 = plane * OHW
                        Self.backward2x2(
                            dy + o0, throughReLU ? y + o0 : nil, index + o0, W, s.height, OH, OW, dxPlane)
                        continue
                    }
                    dxPlane.update(repeating: 0, count: HW)
                    let o0 = plane * OHW
                    if throughReLU {
                        for o in o0..<(o0 + OHW) where y[o] > 0 { dxPlane[Int(index[o])] += dy[o] }
                    } else {
                        for o in o0..<(o0 + OHW) { dxPlane[Int(index[o])] += dy[o] }
                    }
                }
            }
        }
        return inputGradient
    }
}

extension MaxPool2D {
    /// Backward of one plane for 2×2 stride-2 windows, which do not overlap: each window's four
    /// inputs are written once (the gradient at its maximum, 0 elsewhere) instead of zeroing the
    /// plane and adding into it. `clamped`: the pooled output, when the ReLU before the pool is
    /// applied too. Writes 0 + g, as the general loop's 0 += g does (−0 becomes +0), so the bits
    /// are the same.
    @inline(__always)
    fileprivate static func backward2x2(
        _ dy: UnsafeMutablePointer<Float>, _ clamped: UnsafeMutablePointer<Float>?, _ index: UnsafePointer<Int32>,
        _ W: Int, _ H: Int, _ OH: Int, _ OW: Int, _ dx: UnsafeMutablePointer<Float>
    ) {
        if OW < 4 {  // the narrowest planes: zero, then add each window's gradient (as the general loop)
            dx.update(repeating: 0, count: H * W)
            for o in 0..<(OH * OW) {
                let d = dy[o]
                dx[Int(index[o])] += clamped == nil || clamped![o] > 0 ? d : 0
            }
            return
        }
        for oy in 0..<OH {
            let top = 2 * oy * W, row = oy * OW
            if OW < 8 {  // 4…7 windows (7×7 outputs): two vectors of 4, the second overlapping the first
                backward4Windows(dy, clamped, index, W, top, row, 0, dx)
                backward4Windows(dy, clamped, index, W, top, row, OW - 4, dx)
            }
            for start in Swift.stride(from: 0, to: OW < 8 ? 0 : OW, by: 8) {
                let ox = min(start, OW - 8)  // the last vector overlaps the one before: same values
                let a = top + 2 * ox
                var g = UnsafeRawPointer(dy + row + ox).loadUnaligned(as: SIMD8<Float>.self)
                if let clamped {
                    let pooled = UnsafeRawPointer(clamped + row + ox).loadUnaligned(as: SIMD8<Float>.self)
                    g = SIMD8<Float>().replacing(with: g, where: pooled .> 0)
                }
                g = SIMD8<Float>() + g
                let at = UnsafeRawPointer(index + row + ox).loadUnaligned(as: SIMD8<Int32>.self)
                let first = SIMD8<Int32>(0, 2, 4, 6, 8, 10, 12, 14) &+ Int32(a)
                var upper = SIMD16<Float>(), lower = SIMD16<Float>()
                upper.evenHalf = SIMD8<Float>().replacing(with: g, where: at .== first)
                upper.oddHalf = SIMD8<Float>().replacing(with: g, where: at .== first &+ 1)
                lower.evenHalf = SIMD8<Float>().replacing(with: g, where: at .== first &+ Int32(W))
                lower.oddHalf = SIMD8<Float>().replacing(with: g, where: at .== first &+ Int32(W + 1))
                UnsafeMutableRawPointer(dx + a).storeBytes(of: upper, as: SIMD16<Float>.self)
                UnsafeMutableRawPointer(dx + a + W).storeBytes(of: lower, as: SIMD16<Float>.self)
            }
            if W > 2 * OW {  // an odd width: the last column is in no window
                dx[top + W - 1] = 0
                dx[top + 2 * W - 1] = 0
            }
        }
        if H > 2 * OH { (dx + 2 * OH * W).update(repeating: 0, count: (H - 2 * OH) * W) }
    }
}

extension MaxPool2D {
    /// `backward2x2` for the 4 windows at output column ox of one row (version 2 of the narrow
    /// planes; version 1 zeroed the plane and added each gradient: 0.42 vs 0.30 ms per step for
    /// smallcnn's second pool, whose input is half the first's).
    @inline(__always)
    fileprivate static func backward4Windows(
        _ dy: UnsafeMutablePointer<Float>, _ clamped: UnsafeMutablePointer<Float>?, _ index: UnsafePointer<Int32>,
        _ W: Int, _ top: Int, _ row: Int, _ ox: Int, _ dx: UnsafeMutablePointer<Float>
    ) {
        let a = top + 2 * ox
        var g = UnsafeRawPointer(dy + row + ox).loadUnaligned(as: SIMD4<Float>.self)
        if let clamped {
            let pooled = UnsafeRawPointer(clamped + row + ox).loadUnaligned(as: SIMD4<Float>.self)
            g = SIMD4<Float>().replacing(with: g, where: pooled .> 0)
        }
        g = SIMD4<Float>() + g
        let at = UnsafeRawPointer(index + row + ox).loadUnaligned(as: SIMD4<Int32>.self)
        let first = SIMD4<Int32>(0, 2, 4, 6) &+ Int32(a)
        var upper = SIMD8<Float>(), lower = SIMD8<Float>()
        upper.evenHalf = SIMD4<Float>().replacing(with: g, where: at .== first)
        upper.oddHalf = SIMD4<Float>().replacing(with: g, where: at .== first &+ 1)
        lower.evenHalf = SIMD4<Float>().replacing(with: g, where: at .== first &+ Int32(W))
        lower.oddHalf = SIMD4<Float>().replacing(with: g, where: at .== first &+ Int32(W + 1))
        UnsafeMutableRawPointer(dx + a).storeBytes(of: upper, as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(dx + a + W).storeBytes(of: lower, as: SIMD8<Float>.self)
    }
}

extension MaxPool2D: PrecedingReLUFusing {
    /// The input gradient of the ReLU in front: the ReLU's output at a window's maximum is this
    /// pool's output there, so its backward (gradient only where that output is > 0, NaN giving
    /// 0 as in torch) is applied per window, and ReLU inputs that are no window's maximum get 0
    /// either way. Equal, bit for bit, to the pool's backward followed by the ReLU's.
    public func backwardThroughPrecedingReLU(_ outputGradient: Tensor) -> Tensor {
        backward(outputGradient, throughReLU: true)
    }
}
