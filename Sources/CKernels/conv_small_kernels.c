// Kernels for stride-1 convolutions with a short reduction, R = C·KH·KW < 32 (the 1→32 3×3 first
// layer of smallcnn, R = 9; lenet's 1→6 5×5, R = 25); see include/cnn_kernels.h.
//
// With so few rows the 8×32 micro-kernel of conv_kernels.c spends most of its time planning and
// packing each tile's panel (once per tile and image, for only R·16 FMAs per block of channels),
// and im2col + OpenBLAS + a bias pass does little better. The forward here: each 16-position
// vector's gather plan (as `plan_vector`) is listed once per chunk of images; per image the R taps
// of every vector are gathered into a column panel (vectors, R, 16) in L1/L2, then multiplied by
// the weights 8 output channels at a time (8 accumulators, one weight broadcast per FMA), bias and
// ReLU on the store, straight into NCHW.
//
// The weight gradient stays im2col + OpenBLAS (with Conv2D's per-image ReLU mask). Tried and
// dropped (session 6): ∂W, ∂b by kernels here, per image im2col from a zero-padded copy, then for
// each pair of output channels Σ_p ∂y[f, p]·column[k, p] in 2·KB vector accumulators, ∂y loaded
// under the fused ReLU's mask. C harness, one thread, GFLOP/s cached (batch 32) / DRAM (batch
// 256), short vs OpenBLAS (∂b included): 1→32 at 28×28 76–80 / 33 vs 56 / 33, lenet's 1→6 5×5
// 51–58 vs 30–33, 3→32 at 32×32 46–58 vs 59–68 (column panel past L1, re-read per channel pair).
// In the engine, where layer 0's ∂Y and output come from DRAM, not faster: `bench train --norm
// none --profile` layer 0 backward 1.16–1.22 ms before vs 1.20–1.38 (1 thread), 1.68–2.02 vs
// 1.66–2.66 (2 threads); --norm batch 0.62–1.01 vs 0.79–1.15 (2 threads).
//
// version 1 (session 6): the forward above.

#include "cnn_kernels.h"
#include "conv_plan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define SMALL_MAX_ROWS 31     // R < 32

int cnn_conv_small_supported(const cnn_conv_geometry *g) {
    const int R = g->channels * g->kernel_height * g->kernel_width;
    return R >= 1 && R <= SMALL_MAX_ROWS && g->kernel_height >= 1 && g->kernel_width >= 1 && g->output_height >= 1 &&
           g->output_width >= 1 && g->output_height == g->height + 2 * g->padding - g->kernel_height + 1 &&
           g->output_width == g->width + 2 * g->padding - g->kernel_width + 1 && g->padding >= 0;
}

static int vectors_of(const cnn_conv_geometry *g) { return (g->output_height * g->output_width + 15) / 16; }

size_t cnn_conv_small_forward_scratch_count(const cnn_conv_geometry *g) {
    const int vectors = vectors_of(g), T = g->kernel_height * g->kernel_width;
    // (vectors + 1) ints of first-piece indices, the pieces (2 floats each), then the column panel
    // of one image (vectors, R, 16), 64-byte aligned.
    return (size_t)(vectors + 1) + (size_t)vectors * 17 * T * 2 + 16 + (size_t)vectors * g->channels * T * 16;
}

#if defined(__x86_64__)

#define AVX512 __attribute__((target("avx512f")))

// out rows [0, rows) (row stride P), lanes by m, = Σ_k a[k][i]·taps[k] (+ bias[i]) (ReLU), for 8
// output channels whose packed weights are the block a (R, 8): 8 accumulators, one weight
// broadcast (an FMA memory operand) per FMA.
AVX512 static void small_forward_8(const __m512 *taps, int R, const float *a, int rows, float *out, int P,
                                   __mmask16 m, const float *bias, int relu) {
    __m512 acc[8];
    for (int i = 0; i < 8; i++) acc[i] = _mm512_setzero_ps();
    for (int k = 0; k < R; k++) {
        const __m512 b = taps[k];
        for (int i = 0; i < 8; i++) acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(a[k * 8 + i]), b, acc[i]);
    }
    for (int i = 0; i < rows; i++) {
        __m512 v = acc[i];
        if (bias) v = _mm512_add_ps(v, _mm512_set1_ps(bias[i]));
        if (relu) v = _mm512_max_ps(_mm512_setzero_ps(), v);  // this order keeps a NaN, as torch.relu
        _mm512_mask_storeu_ps(out + (size_t)i * P, m, v);
    }
}

// Per image: its column panel (vectors, R, 16) gathered by the pieces listed once per call, then
// 8 output rows at a time across all vectors, so that only 8 output rows are being written at once.
// Measured orders (scripts/bench/conv_kernels_short.sh, 1→32 at 28×28, one thread, GFLOP/s at batch
// 32 / at batch 256 where the output streams to DRAM; OpenBLAS 57 / 34): one vector of every image of
// the chunk in turn, plan made once per vector, all 32 rows per vector: 63 / 27, and slower than
// OpenBLAS in the engine (1.23–1.41 vs 0.92–1.06 ms, bench train --threads 1); image by image, all
// 32 rows per vector: 63 / 26; 16 rows at a time: 60 / 42; 8 rows at a time (this): 65–66 / 50–51.
AVX512 static void small_forward_avx512(const float *images, int count, const cnn_conv_geometry *g,
                                        const float *packed, int F, int f_begin, int f_end, const float *bias, int relu,
                                        float *out, float *scratch) {
    const int P = g->output_height * g->output_width, HW = g->height * g->width;
    const int C = g->channels, T = g->kernel_height * g->kernel_width, R = C * T, vectors = vectors_of(g);
    const size_t CHW = (size_t)C * HW;
    int *first = (int *)scratch;  // (vectors + 1)
    conv_piece *pieces = (conv_piece *)(scratch + vectors + 1);
    first[0] = 0;
    for (int v = 0; v < vectors; v++) first[v + 1] = first[v] + conv_vector_pieces(g, v * 16, P, pieces + first[v]);
    __m512 *panel = (__m512 *)(((uintptr_t)(pieces + first[vectors]) + 63) & ~(uintptr_t)63);  // (vectors, R)
    for (int n = 0; n < count; n++) {
        const float *image = images + n * CHW;
        float *o = out + (size_t)n * F * P;
        for (int v = 0; v < vectors; v++) {  // the image's column panel, vector by vector (L1/L2)
            __m512 *taps = panel + (size_t)v * R;
            for (int k = 0; k < R; k++) taps[k] = _mm512_setzero_ps();
            for (int c = 0; c < C; c++) {
                const uintptr_t plane = (uintptr_t)(image + (size_t)c * HW);
                __m512 *channel = taps + c * T;
                for (int i = first[v]; i < first[v + 1]; i++) {
                    const conv_piece piece = pieces[i];
                    const float *source = (const float *)(plane + (intptr_t)piece.offset * (intptr_t)sizeof(float));
                    channel[piece.tap] = _mm512_mask_loadu_ps(channel[piece.tap], (__mmask16)piece.mask, source);
                }
            }
        }
        for (int f0 = f_begin; f0 < f_end; f0 += 8) {  // 8 output rows written at a time
            const int rows = f_end - f0 < 8 ? f_end - f0 : 8;
            const float *b = bias ? bias + f0 : NULL;
            for (int v = 0; v < vectors; v++) {
                const int p0 = v * 16, left = P - p0;
                const __mmask16 m = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1u);
                const __m512 *taps = panel + (size_t)v * R;
                small_forward_8(taps, R, packed + (size_t)f0 * R, rows, o + (size_t)f0 * P + p0, P, m, b, relu);
            }
        }
    }
}

void cnn_conv_small_forward(const float *images, int count, const cnn_conv_geometry *g, const float *packed, int F,
                            int f_begin, int f_end, const float *bias, int relu, float *out, float *scratch) {
    small_forward_avx512(images, count, g, packed, F, f_begin, f_end, bias, relu, out, scratch);
}

#else

void cnn_conv_small_forward(const float *images, int count, const cnn_conv_geometry *g, const float *packed, int F,
                            int f_begin, int f_end, const float *bias, int relu, float *out, float *scratch) {
    (void)images; (void)count; (void)g; (void)packed; (void)F; (void)f_begin; (void)f_end; (void)bias; (void)relu;
    (void)out; (void)scratch;
    abort();  // cnn_kernels_available() is 0 here: callers never get this far
}

#endif
