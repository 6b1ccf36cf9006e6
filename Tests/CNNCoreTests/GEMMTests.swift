import CNNCore
import TestSupport
import XCTest

/// OpenBLAS sgemm against the naive reference kept beside it, in every transpose combination.
final class GEMMTests: XCTestCase {
    func testSgemmMatchesReferenceForAllTransposes() throws {
        try BLAS.load()
        let (m, n, k) = (13, 17, 29)
        for transposeA in [false, true] {
            for transposeB in [false, true] {
                let a = GradientCheck.randomTensor(Shape(m * k), seed: 1)
                let b = GradientCheck.randomTensor(Shape(k * n), seed: 2)
                let c = GradientCheck.randomTensor(Shape(m * n), seed: 3)
                let expected = Tensor(shape: c.shape, values: c.array)
                let lda = transposeA ? m : k, ldb = transposeB ? k : n
                BLAS.sgemm(
                    transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 0.5,
                    a: a.data, lda: lda, b: b.data, ldb: ldb, beta: 2, c: c.data, ldc: n)
                BLAS.sgemmReference(
                    transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 0.5,
                    a: a.data, lda: lda, b: b.data, ldb: ldb, beta: 2, c: expected.data, ldc: n)
                assertClose(c.array, expected.array, relative: 1e-5, absolute: 1e-5, "A\(transposeA) B\(transposeB)")
            }
        }
    }

    func testOpenBLASUsesAVX512KernelsWhereTheCPUHasThem() throws {
        try BLAS.load()
        if BLAS.cpuSupportsAVX512 && ProcessInfo.processInfo.environment["CNNTRAIN_BLAS_CORETYPE"] == nil {
            XCTAssertEqual(BLAS.coreName.lowercased(), "skylakex")
        }
        XCTAssertFalse(BLAS.coreName.isEmpty)
    }
}
