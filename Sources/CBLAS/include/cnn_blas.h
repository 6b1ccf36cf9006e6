#ifndef CNN_BLAS_H
#define CNN_BLAS_H

/// Loads OpenBLAS at run time and exposes the few calls the engine needs.
///
/// Why not link it: OpenBLAS picks its kernels in a library constructor from OPENBLAS_CORETYPE.
/// Debian's 0.3.21 does not know Zen 5 and falls back to AVX2 kernels; SkylakeX kernels are about
/// 2x faster there but crash on CPUs without AVX-512. A linked library would be initialised before
/// any of our code runs, so we choose the variable first and then dlopen the library:
/// CNNTRAIN_BLAS_CORETYPE wins when set; otherwise an unset or pre-AVX-512 OPENBLAS_CORETYPE
/// (e.g. the Haswell that these machines export) becomes SkylakeX where the CPU and OS support
/// AVX-512F, and is left alone everywhere else.

/// Loads the library once (thread-safe). Returns 0 on success; otherwise writes a message.
int cnn_blas_load(char *message, int message_capacity);

/// Row-major single-precision GEMM: C = alpha * op(A) * op(B) + beta * C.
/// trans_a / trans_b: 0 = as stored, 1 = transposed. Requires a successful cnn_blas_load.
void cnn_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha,
               const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);

/// OpenBLAS's own thread count for one GEMM call.
void cnn_blas_set_threads(int count);
int cnn_blas_get_threads(void);
/// The kernel family OpenBLAS chose (e.g. "SkylakeX", "Haswell").
const char *cnn_blas_core_name(void);
/// The library's build configuration string.
const char *cnn_blas_config(void);
/// Which core type we asked for ("" when we left OPENBLAS_CORETYPE alone).
const char *cnn_blas_requested_core(void);

/// 1 when the CPU reports AVX-512F and the OS saves the ZMM state (XCR0 bits 1,2,5,6,7).
int cnn_cpu_supports_avx512f(void);

#endif
