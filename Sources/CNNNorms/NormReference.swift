import CNNCore

/// The naive norm, in Double, straight from the definition: the test oracle kept beside the fast
/// kernels (and a readable statement of what they compute).
///
/// y = γ·(x − μ)/√(σ² + ε) + β with μ, σ² (biased) over each statistic set; backward
/// dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·γ, dγ = Σ dy·x̂, dβ = Σ dy.
public struct NormReference {
    public enum Statistics: Sendable {
        /// Per channel over (N, H, W).
        case batch
        /// Per sample over groups of C/G channels and (H, W): G = 1 is LayerNorm, G = C InstanceNorm.
        case group(Int)
    }

    public let shape: Shape
    public let statistics: Statistics
    /// γ, β per element of a sample (LayerNorm) instead of per channel.
    public let perElementAffine: Bool
    public let epsilon: Double

    public init(shape: Shape, statistics: Statistics, perElementAffine: Bool = false, epsilon: Double = 1e-5) {
        self.shape = shape
        self.statistics = statistics
        self.perElementAffine = perElementAffine
        self.epsilon = epsilon
    }

    private var N: Int { shape.batch }
    private var C: Int { shape.channels }
    private var S: Int { shape.height * shape.width }

    /// Number of statistic sets.
    public var setCount: Int {
        switch statistics {
        case .batch: return C
        case .group(let G): return N * G
        }
    }

    /// The statistic set of element `i` (NCHW index).
    public func set(of i: Int) -> Int {
        let n = i / (C * S), c = i / S % C
        switch statistics {
        case .batch: return c
        case .group(let G): return n * G + c / (C / G)
        }
    }

    /// The γ/β index of element `i`.
    public func affineIndex(of i: Int) -> Int { perElementAffine ? i % (C * S) : i / S % C }

    /// Mean and biased variance of every set (two-pass, in Double).
    public func moments(_ x: [Float]) -> (mean: [Double], variance: [Double]) {
        var sum = [Double](repeating: 0, count: setCount), count = sum
        for i in x.indices { sum[set(of: i)] += Double(x[i]); count[set(of: i)] += 1 }
        let mean = zip(sum, count).map { $0 / $1 }
        var squares = [Double](repeating: 0, count: setCount)
        for i in x.indices { let t = Double(x[i]) - mean[set(of: i)]; squares[set(of: i)] += t * t }
        return (mean, zip(squares, count).map { $0 / $1 })
    }

    /// Training-mode forward.
    public func forward(_ x: [Float], gamma: [Float], beta: [Float]) -> [Float] {
        let (mean, variance) = moments(x)
        return x.indices.map { i in
            let s = set(of: i), a = affineIndex(of: i)
            let normalized = (Double(x[i]) - mean[s]) / (variance[s] + epsilon).squareRoot()
            return Float(Double(gamma[a]) * normalized + Double(beta[a]))
        }
    }

    /// Gradients of the training-mode forward for output gradient `dy`.
    public func backward(_ dy: [Float], x: [Float], gamma: [Float]) -> (input: [Float], gamma: [Float], beta: [Float]) {
        let (mean, variance) = moments(x)
        let rstd = variance.map { 1 / ($0 + epsilon).squareRoot() }
        let xhat = x.indices.map { (Double(x[$0]) - mean[set(of: $0)]) * rstd[set(of: $0)] }
        let g = x.indices.map { Double(dy[$0]) * Double(gamma[affineIndex(of: $0)]) }
        var sumG = [Double](repeating: 0, count: setCount), sumGX = sumG, count = sumG
        var dGamma = [Double](repeating: 0, count: gamma.count), dBeta = dGamma
        for i in x.indices {
            let s = set(of: i), a = affineIndex(of: i)
            sumG[s] += g[i]; sumGX[s] += g[i] * xhat[i]; count[s] += 1
            dGamma[a] += Double(dy[i]) * xhat[i]; dBeta[a] += Double(dy[i])
        }
        let dx = x.indices.map { i -> Float in
            let s = set(of: i)
            return Float(rstd[s] * (g[i] - sumG[s] / count[s] - xhat[i] * sumGX[s] / count[s]))
        }
        return (dx, dGamma.map(Float.init), dBeta.map(Float.init))
    }
}
