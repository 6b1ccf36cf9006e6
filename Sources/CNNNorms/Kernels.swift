/// The element loops shared by every norm: statistics, the folded affine map, and the two backward
/// passes. Each works on one contiguous run of `count` Floats; the layers decide which runs form a
/// statistic set (a channel across the batch for BatchNorm, a (sample, group) block for the others).
///
/// Legend: x = input, y = output, dy = ∂L/∂y, dx = ∂L/∂x, K = the set's centre (a Float near its
/// mean, subtracted first so that large offsets such as x = 1e4 + noise keep their precision),
/// d = μ − K (small), rstd = 1/√(σ² + ε).
///
/// Precision: reductions run in SIMD16<Float> lanes over blocks of `blockLength` elements (at most
/// 64 additions per lane), and each block's lane sums are added into Double. The per-element passes
/// are Float only.
///
/// version 1: SIMD16<Float> loads/stores, 16-wide lanes, Double block flush, scalar tail.
/// version 3: BatchNorm's fused-ReLU backward recomputes the mask from x with the forward's map
///   (`ForwardMap`) instead of reading the clamped output: its two passes read two streams, not
///   three. `bench train --norm batch --profile`, 2 threads, alternating with the previous build,
///   3 rounds: the first BatchNorm's backward (64×32×28×28) 0.96–1.16 → 0.63–0.69 ms.
/// version 2: LayerNorm pass 1 sweeps two samples at once (`gradientMomentsPerElementPair`):
///   LayerNorm backward 0.89–1.14 → 0.78–0.97 ms at 64×32×28×28 (A/B, same machine state).
enum NormKernels {
    /// Elements per Float block before its lane sums are flushed into Double (64 per lane).
    static let blockLength = 1024

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    }

    @inline(__always)
    static func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
    }

    @inline(__always)
    static func wideSum(_ v: SIMD16<Float>) -> Double {
        let half = v.lowHalf + v.highHalf
        let quarter = half.lowHalf + half.highHalf
        return Double(quarter[0] + quarter[2]) + Double(quarter[1] + quarter[3])
    }

    // MARK: - Forward

    /// (Σ (x − K), Σ (x − K)²) over `count` elements.
    static func shiftedMoments(_ x: UnsafePointer<Float>, _ count: Int, center K: Float) -> (
        sum: Double, squares: Double
    ) {
        var sum = 0.0, squares = 0.0
        let k = SIMD16<Float>(repeating: K)
        var i = 0
        while i + 16 <= count {
            let blockEnd = min(count, i + blockLength)
            var s = SIMD16<Float>(), q = SIMD16<Float>()
            while i + 16 <= blockEnd {
                let t = load(x + i) - k
                s += t
                q += t * t
                i += 16
            }
            sum += wideSum(s)
            squares += wideSum(q)
        }
        while i < count {
            let t = Double(x[i] - K)
            sum += t
            squares += t * t
            i += 1
        }
        return (sum, squares)
    }

    /// max(v, 0) lane-wise, keeping NaN as torch.relu does (a fused ReLU).
    @inline(__always)
    static func relu(_ v: SIMD16<Float>) -> SIMD16<Float> { v.replacing(with: 0, where: v .< 0) }

    /// y = (x − K)·a + b: the norm with γ, β, μ and rstd folded into one scale `a` and shift `b`;
    /// with `relu`, clamped at 0 as it is stored (a fused ReLU).
    static func scaleShift(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int,
        center K: Float, scale a: Float, shift b: Float, relu: Bool = false
    ) {
        let k = SIMD16<Float>(repeating: K), av = SIMD16<Float>(repeating: a), bv = SIMD16<Float>(repeating: b)
        var i = 0
        if relu {
            while i + 16 <= count {
                store(Self.relu((load(x + i) - k) * av + bv), y + i)
                i += 16
            }
        } else {
            while i + 16 <= count {
                store((load(x + i) - k) * av + bv, y + i)
                i += 16
            }
        }
        while i < count {
            let v = (x[i] - K) * a + b
            y[i] = relu && v < 0 ? 0 : v
            i += 1
        }
    }

    /// y = ((x − K)·a + b)·γ + β with γ, β per element (LayerNorm's affine); with `relu`, clamped
    /// at 0 as it is stored.
    static func scaleShiftPerElement(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int,
        center K: Float, scale a: Float, shift b: Float,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, relu: Bool = false
    ) {
        let k = SIMD16<Float>(repeating: K), av = SIMD16<Float>(repeating: a), bv = SIMD16<Float>(repeating: b)
        var i = 0
        while i + 16 <= count {
            let normalized = (load(x + i) - k) * av + bv
            let v = normalized * load(gamma + i) + load(beta + i)
            store(relu ? Self.relu(v) : v, y + i)
            i += 16
        }
        while i < count {
            let v = ((x[i] - K) * a + b) * gamma[i] + beta[i]
            y[i] = relu && v < 0 ? 0 : v
            i += 1
        }
    }

    // MARK: - Backward
    //
    // `clamped`: the output of a forward that fused the ReLU after the norm (`ReLUBackwardFusing`);
    // then dy is the gradient of the ReLU's output and each pass uses the ReLU's backward,
    // dy where clamped > 0, else 0, computed as it loads dy (never written to memory).

    /// 16 lanes of the gradient at i: dy, or the ReLU's backward of dy when `clamped` is given.
    @inline(__always)
    static func gradient(_ dy: UnsafePointer<Float>, _ clamped: UnsafePointer<Float>?, _ i: Int) -> SIMD16<Float> {
        let d = load(dy + i)
        guard let clamped else { return d }
        return SIMD16<Float>().replacing(with: d, where: load(clamped + i) .> 0)
    }

    /// The gradient of element i (as `gradient`, one lane).
    @inline(__always)
    static func gradient(at i: Int, _ dy: UnsafePointer<Float>, _ clamped: UnsafePointer<Float>?) -> Float {
        guard let clamped else { return dy[i] }
        let d = dy[i]
        return clamped[i] > 0 ? d : 0
    }

    /// The forward map y = (x − K)·scale + shift of a norm whose fused ReLU's backward recomputes
    /// where y > 0 from x instead of reading the clamped output (one stream less from memory).
    /// Computed exactly as `scaleShift` computes it, so the mask is the stored output's, bit for bit.
    struct ForwardMap {
        var scale: Float
        var shift: Float
    }

    /// g = dy where (x − K)·a + b > 0, else 0, for t = x − K (16 lanes).
    @inline(__always)
    static func gradient(_ d: SIMD16<Float>, shifted t: SIMD16<Float>, _ a: SIMD16<Float>, _ b: SIMD16<Float>)
        -> SIMD16<Float>
    {
        SIMD16<Float>().replacing(with: d, where: t * a + b .> 0)
    }

    /// (Σ dy, Σ dy·(x − K)) over `count` elements: pass 1 of the backward. With `map`, dy is the
    /// gradient of a ReLU fused after the norm, whose mask is recomputed from x (`ForwardMap`);
    /// with `clamped`, read from the stored output.
    static func gradientMoments(
        _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ count: Int,
        center K: Float, clamped: UnsafePointer<Float>? = nil, map: ForwardMap? = nil
    ) -> (sum: Double, product: Double) {
        var sum = 0.0, product = 0.0
        let k = SIMD16<Float>(repeating: K)
        var i = 0
        if let map {
            let av = SIMD16<Float>(repeating: map.scale), bv = SIMD16<Float>(repeating: map.shift)
            while i + 16 <= count {
                let blockEnd = min(count, i + blockLength)
                var s = SIMD16<Float>(), p = SIMD16<Float>()
                while i + 16 <= blockEnd {
                    let t = load(x + i) - k
                    let g = gradient(load(dy + i), shifted: t, av, bv)
                    s += g
                    p += g * t
                    i += 16
                }
                sum += wideSum(s)
                product += wideSum(p)
            }
            while i < count {
                let t = x[i] - K
                let g = t * map.scale + map.shift > 0 ? dy[i] : 0
                sum += Double(g)
                product += Double(g) * Double(t)
                i += 1
            }
            return (sum, product)
        }
        while i + 16 <= count {
            let blockEnd = min(count, i + blockLength)
            var s = SIMD16<Float>(), p = SIMD16<Float>()
            while i + 16 <= blockEnd {
                let g = gradient(dy, clamped, i)
                s += g
                p += g * (load(x + i) - k)
                i += 16
            }
            sum += wideSum(s)
            product += wideSum(p)
        }
        while i < count {
            let g = gradient(at: i, dy, clamped)
            sum += Double(g)
            product += Double(g) * Double(x[i] - K)
            i += 1
        }
        return (sum, product)
    }

    /// Pass 1 with per-element γ: returns (Σ g, Σ g·(x − K)) for g = dy·γ, and adds dy·x̂ into
    /// `gammaGradient` and dy into `betaGradient`, where x̂ = (x − K)·a + b.
    static func gradientMomentsPerElement(
        _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ count: Int,
        center K: Float, scale a: Float, shift b: Float,
        gamma: UnsafePointer<Float>,
        gammaGradient: UnsafeMutablePointer<Float>,
        betaGradient: UnsafeMutablePointer<Float>,
        clamped: UnsafePointer<Float>? = nil
    ) -> (sum: Double, product: Double) {
        var sum = 0.0, product = 0.0
        let k = SIMD16<Float>(repeating: K), av = SIMD16<Float>(repeating: a), bv = SIMD16<Float>(repeating: b)
        var i = 0
        while i + 16 <= count {
            let blockEnd = min(count, i + blockLength)
            var s = SIMD16<Float>(), p = SIMD16<Float>()
            while i + 16 <= blockEnd {
                let d = gradient(dy, clamped, i), t = load(x + i) - k
                let g = d * load(gamma + i)
                s += g
                p += g * t
                store(load(gammaGradient + i) + d * (t * av + bv), gammaGradient + i)
                store(load(betaGradient + i) + d, betaGradient + i)
                i += 16
            }
            sum += wideSum(s)
            product += wideSum(p)
        }
        while i < count {
            let d = gradient(at: i, dy, clamped)
            let t = x[i] - K, g = d * gamma[i]
            sum += Double(g)
            product += Double(g) * Double(t)
            gammaGradient[i] += d * (t * a + b)
            betaGradient[i] += d
            i += 1
        }
        return (sum, product)
    }

    /// `gradientMomentsPerElement` for two samples at once (LayerNorm): γ is loaded and the
    /// partial dγ, dβ are read and written once per pair instead of once per sample.
    /// Returns (Σ g, Σ g·(x − K)) of each sample.
    static func gradientMomentsPerElementPair(
        _ dy0: UnsafePointer<Float>, _ x0: UnsafePointer<Float>,
        _ dy1: UnsafePointer<Float>, _ x1: UnsafePointer<Float>, _ count: Int,
        first: (center: Float, scale: Float, shift: Float),
        second: (center: Float, scale: Float, shift: Float),
        gamma: UnsafePointer<Float>,
        gammaGradient: UnsafeMutablePointer<Float>,
        betaGradient: UnsafeMutablePointer<Float>,
        clamped: (UnsafePointer<Float>, UnsafePointer<Float>)? = nil
    )
        -> (sum0: Double, product0: Double, sum1: Double, product1: Double)
    {
        var sum0 = 0.0, product0 = 0.0, sum1 = 0.0, product1 = 0.0
        let k0 = SIMD8<Float>(repeating: first.center), a0 = SIMD8<Float>(repeating: first.scale)
        let b0 = SIMD8<Float>(repeating: first.shift)
        let k1 = SIMD8<Float>(repeating: second.center), a1 = SIMD8<Float>(repeating: second.scale)
        let b1 = SIMD8<Float>(repeating: second.shift)
        @inline(__always) func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
            UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
        }
        @inline(__always) func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
            UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
        }
        @inline(__always) func gradient8(_ dy: UnsafePointer<Float>, _ y: UnsafePointer<Float>?, _ i: Int) -> SIMD8<
            Float
        > {
            let d = load8(dy + i)
            guard let y else { return d }
            return SIMD8<Float>().replacing(with: d, where: load8(y + i) .> 0)
        }
        @inline(__always) func wide8(_ v: SIMD8<Float>) -> Double {
            let half = v.lowHalf + v.highHalf
            return Double(half[0] + half[2]) + Double(half[1] + half[3])
        }
        var i = 0
        while i + 8 <= count {
            let blockEnd = min(count, i + blockLength / 2)
            var s0 = SIMD8<Float>(), p0 = SIMD8<Float>(), s1 = SIMD8<Float>(), p1 = SIMD8<Float>()
            while i + 8 <= blockEnd {
                let gammaValue = load8(gamma + i)
                let d0 = gradient8(dy0, clamped?.0, i), t0 = load8(x0 + i) - k0
                let d1 = gradient8(dy1, clamped?.1, i), t1 = load8(x1 + i) - k1
                let g0 = d0 * gammaValue, g1 = d1 * gammaValue
                s0 += g0; p0 += g0 * t0
                s1 += g1; p1 += g1 * t1
                store8(load8(gammaGradient + i) + d0 * (t0 * a0 + b0) + d1 * (t1 * a1 + b1), gammaGradient + i)
                store8(load8(betaGradient + i) + d0 + d1, betaGradient + i)
                i += 8
            }
            sum0 += wide8(s0); product0 += wide8(p0)
            sum1 += wide8(s1); product1 += wide8(p1)
        }
        while i < count {
            let d0 = gradient(at: i, dy0, clamped?.0), d1 = gradient(at: i, dy1, clamped?.1)
            let t0 = x0[i] - first.center, t1 = x1[i] - second.center
            let g0 = d0 * gamma[i], g1 = d1 * gamma[i]
            sum0 += Double(g0); product0 += Double(g0) * Double(t0)
            sum1 += Double(g1); product1 += Double(g1) * Double(t1)
            gammaGradient[i] += d0 * (t0 * first.scale + first.shift) + d1 * (t1 * second.scale + second.shift)
            betaGradient[i] += d0 + d1
            i += 1
        }
        return (sum0, product0, sum1, product1)
    }

    /// dx = dy·A + (x − K)·B + C: pass 2 of the backward, with the set's sums folded into B and C
    /// (`map`, `clamped`: as in `gradientMoments`).
    static func inputGradient(
        _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
        _ count: Int, center K: Float, a: Float, b: Float, c: Float, clamped: UnsafePointer<Float>? = nil,
        map: ForwardMap? = nil
    ) {
        let k = SIMD16<Float>(repeating: K)
        let av = SIMD16<Float>(repeating: a), bv = SIMD16<Float>(repeating: b), cv = SIMD16<Float>(repeating: c)
        var i = 0
        if let map {
            let scale = SIMD16<Float>(repeating: map.scale), shift = SIMD16<Float>(repeating: map.shift)
            while i + 16 <= count {
                let t = load(x + i) - k
                store(gradient(load(dy + i), shifted: t, scale, shift) * av + (t * bv + cv), dx + i)
                i += 16
            }
            while i < count {
                let t = x[i] - K
                let g = t * map.scale + map.shift > 0 ? dy[i] : 0
                dx[i] = g * a + (t * b + c)
                i += 1
            }
            return
        }
        while i + 16 <= count {
            store(gradient(dy, clamped, i) * av + ((load(x + i) - k) * bv + cv), dx + i)
            i += 16
        }
        while i < count {
            dx[i] = gradient(at: i, dy, clamped) * a + ((x[i] - K) * b + c)
            i += 1
        }
    }

    /// dx = dy·γ·A + (x − K)·B + C with γ per element.
    static func inputGradientPerElement(
        _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
        _ dx: UnsafeMutablePointer<Float>, _ count: Int,
        center K: Float, a: Float, b: Float, c: Float, gamma: UnsafePointer<Float>,
        clamped: UnsafePointer<Float>? = nil
    ) {
        let k = SIMD16<Float>(repeating: K)
        let av = SIMD16<Float>(repeating: a), bv = SIMD16<Float>(repeating: b), cv = SIMD16<Float>(repeating: c)
        var i = 0
        while i + 16 <= count {
            store(gradient(dy, clamped, i) * load(gamma + i) * av + ((load(x + i) - k) * bv + cv), dx + i)
            i += 16
        }
        while i < count {
            dx[i] = gradient(at: i, dy, clamped) * gamma[i] * a + ((x[i] - K) * b + c)
            i += 1
        }
    }
}
