// One thread's GFLOP/s of the short-reduction kernels (R = C·KH·KW < 32, conv_small_kernels.c)
// against what the engine ran before them, im2col + OpenBLAS sgemm with a separate bias (+ ReLU)
// pass, on first layers: smallcnn's 1→32 3×3 p1 at 28×28 (R = 9), lenet's 1→6 5×5 p2 at 28×28
// (R = 25), and 3→32 3×3 p1 at 32×32 (R = 27), forward with bias and ReLU. (The dropped ∂W
// kernel's figures came from this harness at commit 7a5b524.)
// CPU time of this process, best of the repetitions. Built and run by
// scripts/bench/conv_kernels_short.sh (OPENBLAS_CORETYPE=SkylakeX, one OpenBLAS thread).
// Note: the harness's buffers may get transparent huge pages where the engine's do not; a kernel
// order that wins here must still be checked at step level (bench train --profile).
#include "conv_kernels.c"  // cnn_kernels_available
#include "conv_small_kernels.c"

#include <cblas.h>
#include <stdio.h>
#include <time.h>

static double cpu_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static float *filled(size_t n) {
    float *p = aligned_alloc(64, ((n * sizeof(float) + 63) / 64) * 64 + 64);
    for (size_t i = 0; i < n; i++) p[i] = (float)((i * 7919) % 1000) / 1000.0f - 0.5f;
    return p;
}

// im2col for one image, columns (R, P), by row copies (as fast as the engine's, which copies one
// shifted plane per row for same-size kernels): the baseline is OpenBLAS, not a slow im2col.
static void im2col(const float *image, const cnn_conv_geometry *g, float *columns) {
    const int KH = g->kernel_height, KW = g->kernel_width, OH = g->output_height, OW = g->output_width;
    const int H = g->height, W = g->width, pad = g->padding;
    for (int c = 0, k = 0; c < g->channels; c++) {
        for (int ky = 0; ky < KH; ky++) {
            for (int kx = 0; kx < KW; kx++, k++) {
                for (int oy = 0; oy < OH; oy++) {
                    float *row = columns + (size_t)k * OH * OW + (size_t)oy * OW;
                    const int iy = oy + ky - pad;
                    if (iy < 0 || iy >= H) { memset(row, 0, (size_t)OW * sizeof(float)); continue; }
                    int lo = pad - kx, hi = W + pad - kx;  // ox whose ix = ox + kx − pad is in [0, W)
                    if (lo < 0) lo = 0;
                    if (hi > OW) hi = OW;
                    memset(row, 0, (size_t)lo * sizeof(float));
                    memcpy(row + lo, image + ((size_t)c * H + iy) * W + lo + kx - pad, (size_t)(hi - lo) * sizeof(float));
                    memset(row + hi, 0, (size_t)(OW - hi) * sizeof(float));
                }
            }
        }
    }
}

static void measure(int C, int F, int H, int K, int pad, int batch, int repetitions) {
    const int OH = H + 2 * pad - K + 1, P = OH * OH, R = C * K * K;
    const cnn_conv_geometry g = {C, H, H, K, K, pad, OH, OH};
    float *x = filled((size_t)batch * C * H * H), *w = filled((size_t)F * R), *b = filled(F);
    float *y = filled((size_t)batch * F * P), *columns = filled((size_t)R * P);
    float *packed = filled((size_t)(F + 7) / 8 * 8 * R), *plans = filled(cnn_conv_small_forward_scratch_count(&g));
    // Weights packed as conv_kernels.c's cnn_conv_pack_weights: ⌈F/8⌉ blocks of (R, 8).
    for (int f0 = 0; f0 < F; f0 += 8)
        for (int k = 0; k < R; k++)
            for (int i = 0; i < 8; i++) packed[(size_t)f0 * R + k * 8 + i] = f0 + i < F ? w[(size_t)(f0 + i) * R + k] : 0;
    double best[2] = {1e30, 1e30};
    for (int r = 0; r < repetitions; r++) {
        double t = cpu_seconds();
        for (int n = 0; n < batch; n++) {  // before: im2col, sgemm, bias + ReLU pass
            float *out = y + (size_t)n * F * P;
            im2col(x + (size_t)n * C * H * H, &g, columns);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, F, P, R, 1, w, R, columns, P, 0, out, P);
            for (int f = 0; f < F; f++) {  // vectorized, as the engine's Swift loop
                float *row = out + (size_t)f * P;
                const float v = b[f];
                for (int p = 0; p < P; p++) {
                    const float s = row[p] + v;
                    row[p] = s > 0 ? s : 0;
                }
            }
        }
        if ((t = cpu_seconds() - t) < best[0]) best[0] = t;
        t = cpu_seconds();
        cnn_conv_small_forward(x, batch, &g, packed, F, 0, F, b, 1, y, plans);
        if ((t = cpu_seconds() - t) < best[1]) best[1] = t;
    }
    const double flops = 2.0 * F * R * P * batch * 1e-9;
    printf("| %d→%d %d×%d p%d, %d×%d (R = %d) | %.1f | %.1f |\n", C, F, K, K, pad, H, H, R, flops / best[0],
           flops / best[1]);
}

int main(int argc, char **argv) {
    const int batch = argc > 1 ? atoi(argv[1]) : 32, repetitions = argc > 2 ? atoi(argv[2]) : 10;
    if (!cnn_kernels_available()) {
        fprintf(stderr, "conv_kernels_short: no AVX-512F here (or CNNTRAIN_KERNELS=reference)\n");
        return 1;
    }
    openblas_set_num_threads(1);
    printf("one thread, batch %d, best of %d, GFLOP/s (CPU time), forward with bias and ReLU\n\n",
           batch, repetitions);
    printf("| conv | forward OpenBLAS | forward short |\n| --- | ---: | ---: |\n");
    measure(1, 32, 28, 3, 1, batch, repetitions);
    measure(1, 6, 28, 5, 2, batch, repetitions);
    measure(3, 32, 32, 3, 1, batch, repetitions);
    return 0;
}
