import CBLAS

/// Row-major matrix multiply, C = α·op(A)·op(B) + β·C, where op(A) is M×K and op(B) is K×N.
/// `lda`, `ldb`, `ldc` are the row strides of A, B, C as stored.
public enum BLAS {
    /// Loads OpenBLAS (choosing the AVX-512 kernels where the CPU has them). Throws a message
    /// telling how to install it when it is missing.
    public static func load() throws {
        var message = [CChar](repeating: 0, count: 512)
        if cnn_blas_load(&message, Int32(message.count)) != 0 {
            throw BLASError.unavailable(String(cString: message))
        }
    }

    /// Loads OpenBLAS or stops the process with its message: a missing system library is a
    /// set-up error, not user input, and nothing can run without it.
    static let loaded: Void = {
        do { try load(); cnn_blas_set_threads(1) } catch { fatalError("\(error)") }
    }()

    public static func setThreadCount(_ count: Int) { _ = loaded; cnn_blas_set_threads(Int32(count)) }
    public static var threadCount: Int { _ = loaded; return Int(cnn_blas_get_threads()) }
    /// The kernel family OpenBLAS runs (e.g. "SkylakeX").
    public static var coreName: String { _ = loaded; return String(cString: cnn_blas_core_name()) }
    public static var configuration: String { _ = loaded; return String(cString: cnn_blas_config()) }
    public static var cpuSupportsAVX512: Bool { cnn_cpu_supports_avx512f() != 0 }

    /// OpenBLAS `cblas_sgemm`, row-major.
    @inlinable
    public static func sgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        ensureLoaded()
        cnn_sgemm(
            transposeA ? 1 : 0, transposeB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha,
            a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    @usableFromInline static func ensureLoaded() { _ = loaded }

    /// The naive triple loop: the test oracle for `sgemm`, kept beside it.
    public static func sgemmReference(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        for i in 0..<m {
            for j in 0..<n {
                var sum: Double = 0
                for p in 0..<k {
                    let aValue = transposeA ? a[p * lda + i] : a[i * lda + p]
                    let bValue = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += Double(aValue) * Double(bValue)
                }
                let previous = beta == 0 ? 0 : beta * c[i * ldc + j]
                c[i * ldc + j] = alpha * Float(sum) + previous
            }
        }
    }
}

public enum BLASError: Error, CustomStringConvertible {
    case unavailable(String)
    public var description: String {
        switch self {
        case .unavailable(let message): return message
        }
    }
}
