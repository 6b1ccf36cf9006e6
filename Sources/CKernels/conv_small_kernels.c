// Kernels for stride-1 convolutions with a short reduction, R = C·KH·KW < 32 (the 1→32 3×3 first
// layer of smallcnn, R = 9; lenet's 1→6 5×5, R = 25); see include/cnn_kernels.h.
//
// With so few rows the 8×32 micro-kernel of conv_kernels.c spends most of its time planning and
// packing each tile's panel (once per tile and image, for only R·16 FMAs per block of channels),
// and OpenBLAS on im2col does no better (forward ~65 GFLOP/s, ∂W with a separate bias pass, 2
// threads). Here:
// - forward: each 16-position vector's gather plan (as `plan_vector`) is listed once per chunk of
//   images; per image the R taps of every vector are gathered into a column panel (vectors, R, 16)
//   in L1/L2, then multiplied by the weights 8 output channels at a time (8 accumulators, one
//   weight broadcast per FMA), bias and ReLU on the store, straight into NCHW;
// - ∂W, ∂b: per image, im2col from a zero-padded copy (one shifted row copy per tap and output
//   row), then for each pair of output channels Σ_p ∂y[f, p]·column[k, p] in 2·KB vector
//   accumulators (taps in blocks of KB ≤ 12, ∂b as two more), ∂y loaded under the fused ReLU's
//   mask (output > 0) when given; the vector sums are kept per lane across the chunk's images and
//   reduced horizontally once at its end.
//
// version 1: this file.

#include "cnn_kernels.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define SMALL_MAX_ROWS 31     // R < 32
#define SMALL_TAP_BLOCK 12    // ∂W taps per pass over ∂y: 2·12 + 2 accumulators, 2 ∂y vectors

int cnn_conv_small_supported(const cnn_conv_geometry *g) {
    const int R = g->channels * g->kernel_height * g->kernel_width;
    return R >= 1 && R <= SMALL_MAX_ROWS && g->kernel_height >= 1 && g->kernel_width >= 1 && g->output_height >= 1 &&
           g->output_width >= 1 && g->output_height == g->height + 2 * g->padding - g->kernel_height + 1 &&
           g->output_width == g->width + 2 * g->padding - g->kernel_width + 1 && g->padding >= 0;
}

static int vectors_of(const cnn_conv_geometry *g) { return (g->output_height * g->output_width + 15) / 16; }

int cnn_conv_small_weight_supported(const cnn_conv_geometry *g, int F) {
    // Every pair of output channels re-reads the image's column panel (R, P): past L1 (32 KB on
    // Zen 4) with many channels OpenBLAS does better. Measured (conv_kernels_short.sh, one thread,
    // batch 32 / 256, GFLOP/s, short vs OpenBLAS): R = 9, P = 784, F = 32 (28 KB): 76–80 / 33 vs
    // 56 / 33; R = 25, P = 784, F = 6 (78 KB): 51–58 vs 30–33; R = 27, P = 1024, F = 32 (110 KB):
    // 46–58 vs 59–68.
    const size_t panel = (size_t)g->channels * g->kernel_height * g->kernel_width * vectors_of(g) * 16 * sizeof(float);
    return cnn_conv_small_supported(g) && (panel <= 32768 || F <= 8);
}

size_t cnn_conv_small_weight_scratch_count(const cnn_conv_geometry *g, int F) {
    const int R = g->channels * g->kernel_height * g->kernel_width;
    const size_t padded = (size_t)g->channels * (g->height + 2 * g->padding) * (g->width + 2 * g->padding);
    const size_t columns = (size_t)R * vectors_of(g) * 16;
    const size_t sums = (size_t)((F + 1) / 2 * 2) * (R + 1) * 16;  // per channel: R taps and the bias, 16 lanes
    return padded + columns + sums + 16;
}

#if defined(__x86_64__)

#define AVX512 __attribute__((target("avx512f")))

// One piece of one tap of one 16-position vector: lanes `mask` of tap `tap` read
// plane[offset + lane] (offset may point before the plane; only masked-in lanes are read). A
// vector's pieces are listed once per call and replayed for every image and channel.
typedef struct {
    int offset;
    unsigned short mask;
    unsigned short tap;
} small_piece;

// The pieces of the vector at q0 (as conv_kernels.c's plan_vector), appended at `pieces`; returns
// their count (at most 17·T: a vector spans at most 17 output-row runs).
static int small_plan_vector(const cnn_conv_geometry *g, int q0, int P, small_piece *pieces) {
    const int OW = g->output_width, W = g->width, H = g->height, KW = g->kernel_width;
    const int T = g->kernel_height * KW, pad = g->padding;
    const int end = q0 + 16 < P ? q0 + 16 : P;
    int count = 0;
    for (int q = q0; q < end;) {
        const int oy = q / OW, ox = q % OW;
        const int run = (OW - ox) < (end - q) ? (OW - ox) : (end - q);
        const int l0 = q - q0, l1 = l0 + run;
        for (int t = 0; t < T; t++) {
            const int ky = t / KW, kx = t % KW;
            const int iy = oy + ky - pad;
            if (iy < 0 || iy >= H) continue;
            const int ix0 = ox + kx - pad;           // input column of lane l0
            int lo = l0 - ix0, hi = l0 - ix0 + W;    // lanes whose column is inside [0, W)
            if (lo < l0) lo = l0;
            if (hi > l1) hi = l1;
            if (hi <= lo) continue;
            pieces[count].mask = (unsigned short)(((1u << hi) - 1u) & ~((1u << lo) - 1u));
            pieces[count].offset = iy * W + ix0 - l0;
            pieces[count].tap = (unsigned short)t;
            count++;
        }
        q += run;
    }
    return count;
}

size_t cnn_conv_small_forward_scratch_count(const cnn_conv_geometry *g) {
    const int vectors = vectors_of(g), T = g->kernel_height * g->kernel_width;
    // (vectors + 1) ints of first-piece indices, then the pieces (2 floats each).
    // (vectors + 1) ints of first-piece indices, the pieces (2 floats each), then the column panel
    // of one image (vectors, R, 16), 64-byte aligned.
    return (size_t)(vectors + 1) + (size_t)vectors * 17 * T * 2 + 16 + (size_t)vectors * g->channels * T * 16;
}

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
    small_piece *pieces = (small_piece *)(scratch + vectors + 1);
    first[0] = 0;
    for (int v = 0; v < vectors; v++) first[v + 1] = first[v] + small_plan_vector(g, v * 16, P, pieces + first[v]);
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
                    const small_piece piece = pieces[i];
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

// sums0/sums1 (KB, 16) += per lane Σ over the image's vectors of ∂y[f]·columns[j] (j < KB), and
// bias0/bias1 (16) += ∂y[f] when given, for the two channels f whose ∂y rows (P floats) are dy0,
// dy1. ∂y lanes are zero past P and, with `y0`/`y1` (the fused ReLU's output), where the output
// is not > 0 (NaN too): the ReLU's backward, applied as ∂y is loaded.
AVX512 static inline __attribute__((always_inline)) void small_weight_block(
    const float *columns, int vectors, int P, const float *dy0, const float *dy1, const float *y0, const float *y1,
    float *sums0, float *sums1, float *bias0, float *bias1, const int KB) {
    __m512 acc0[SMALL_TAP_BLOCK], acc1[SMALL_TAP_BLOCK];
    __m512 b0 = _mm512_setzero_ps(), b1 = _mm512_setzero_ps();
    for (int j = 0; j < KB; j++) acc0[j] = acc1[j] = _mm512_setzero_ps();
    const size_t stride = (size_t)vectors * 16;  // one tap's row of the column matrix
    for (int v = 0; v < vectors; v++) {
        const int p = v * 16, left = P - p;
        __mmask16 m0 = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1u), m1 = m0;
        if (y0) {
            m0 = _mm512_mask_cmp_ps_mask(m0, _mm512_maskz_loadu_ps(m0, y0 + p), _mm512_setzero_ps(), _CMP_GT_OQ);
            m1 = _mm512_mask_cmp_ps_mask(m1, _mm512_maskz_loadu_ps(m1, y1 + p), _mm512_setzero_ps(), _CMP_GT_OQ);
        }
        const __m512 d0 = _mm512_maskz_loadu_ps(m0, dy0 + p), d1 = _mm512_maskz_loadu_ps(m1, dy1 + p);
        for (int j = 0; j < KB; j++) {
            const __m512 column = _mm512_loadu_ps(columns + j * stride + p);
            acc0[j] = _mm512_fmadd_ps(d0, column, acc0[j]);
            acc1[j] = _mm512_fmadd_ps(d1, column, acc1[j]);
        }
        if (bias0) {
            b0 = _mm512_add_ps(b0, d0);
            b1 = _mm512_add_ps(b1, d1);
        }
    }
    for (int j = 0; j < KB; j++) {
        _mm512_storeu_ps(sums0 + j * 16, _mm512_add_ps(_mm512_loadu_ps(sums0 + j * 16), acc0[j]));
        _mm512_storeu_ps(sums1 + j * 16, _mm512_add_ps(_mm512_loadu_ps(sums1 + j * 16), acc1[j]));
    }
    if (bias0) {
        _mm512_storeu_ps(bias0, _mm512_add_ps(_mm512_loadu_ps(bias0), b0));
        _mm512_storeu_ps(bias1, _mm512_add_ps(_mm512_loadu_ps(bias1), b1));
    }
}

#define SMALL_WEIGHT_CASE(kb)                                                                                  \
    case kb: small_weight_block(columns, vectors, P, dy0, dy1, y0, y1, sums0, sums1, bias0, bias1, kb); break

// small_weight_block with KB a compile-time constant, so that its accumulators stay in registers.
AVX512 static void small_weight_dispatch(const float *columns, int vectors, int P, const float *dy0, const float *dy1,
                                         const float *y0, const float *y1, float *sums0, float *sums1, float *bias0,
                                         float *bias1, int KB) {
    switch (KB) {
        SMALL_WEIGHT_CASE(1); SMALL_WEIGHT_CASE(2); SMALL_WEIGHT_CASE(3); SMALL_WEIGHT_CASE(4);
        SMALL_WEIGHT_CASE(5); SMALL_WEIGHT_CASE(6); SMALL_WEIGHT_CASE(7); SMALL_WEIGHT_CASE(8);
        SMALL_WEIGHT_CASE(9); SMALL_WEIGHT_CASE(10); SMALL_WEIGHT_CASE(11); SMALL_WEIGHT_CASE(12);
    default: abort();  // blocks are at most SMALL_TAP_BLOCK taps
    }
}
#undef SMALL_WEIGHT_CASE

// columns (R, vectors·16) of one image: row k = (c, ky, kx) is the zero-padded plane c shifted by
// (ky, kx), one row copy per output row; lanes past P are zero.
AVX512 static void small_columns(const float *image, const cnn_conv_geometry *g, float *padded, float *columns) {
    const int C = g->channels, H = g->height, W = g->width, pad = g->padding, KH = g->kernel_height;
    const int KW = g->kernel_width, OH = g->output_height, OW = g->output_width;
    const int PH = H + 2 * pad, PW = W + 2 * pad, P = OH * OW, vectors = vectors_of(g);
    if (pad > 0) memset(padded, 0, (size_t)C * PH * PW * sizeof(float));
    for (int c = 0; c < C; c++) {
        for (int y = 0; y < H; y++) {
            memcpy(padded + ((size_t)c * PH + y + pad) * PW + pad, image + ((size_t)c * H + y) * W,
                   (size_t)W * sizeof(float));
        }
    }
    const size_t stride = (size_t)vectors * 16;
    for (int c = 0, k = 0; c < C; c++) {
        for (int ky = 0; ky < KH; ky++) {
            for (int kx = 0; kx < KW; kx++, k++) {
                float *row = columns + k * stride;
                const float *source = padded + ((size_t)c * PH + ky) * PW + kx;
                for (int oy = 0; oy < OH; oy++) {
                    for (int ox = 0; ox < OW; ox += 16) {
                        const int left = OW - ox;
                        const __mmask16 m = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1u);
                        _mm512_mask_storeu_ps(row + oy * OW + ox, m,
                                              _mm512_maskz_loadu_ps(m, source + (size_t)oy * PW + ox));
                    }
                }
                for (int p = P; p < (int)stride; p++) row[p] = 0.0f;
            }
        }
    }
}

AVX512 static void small_weight_gradient_avx512(const float *images, int count, const cnn_conv_geometry *g,
                                                const float *dy, const float *output, int F, int f_begin, int f_end,
                                                float *scratch, float *dw, float *db) {
    const int C = g->channels, R = C * g->kernel_height * g->kernel_width, P = g->output_height * g->output_width;
    const int vectors = vectors_of(g);
    const size_t CHW = (size_t)C * g->height * g->width;
    float *padded = scratch;
    float *columns = padded + (size_t)C * (g->height + 2 * g->padding) * (g->width + 2 * g->padding);
    float *sums = columns + (size_t)R * vectors * 16;  // (F rounded to pairs, R + 1, 16): taps, then ∂b
    const size_t per_channel = (size_t)(R + 1) * 16;
    const int paired_end = f_begin + (f_end - f_begin + 1) / 2 * 2;  // f_begin is even: no other range's slots
    memset(sums + (size_t)f_begin * per_channel, 0, (size_t)(paired_end - f_begin) * per_channel * sizeof(float));
    const int blocks = (R + SMALL_TAP_BLOCK - 1) / SMALL_TAP_BLOCK;
    for (int n = 0; n < count; n++) {
        small_columns(images + n * CHW, g, padded, columns);
        const float *dyImage = dy + (size_t)n * F * P, *yImage = output ? output + (size_t)n * F * P : NULL;
        for (int f = f_begin; f < f_end; f += 2) {
            const int f1 = f + 1 < f_end ? f + 1 : f;  // a last odd channel pairs with itself (its twin unused)
            float *s0 = sums + (size_t)f * per_channel, *s1 = s0 + per_channel;
            for (int b = 0, k0 = 0; b < blocks; b++) {
                const int KB = (R - k0 + (blocks - b) - 1) / (blocks - b);  // near-equal blocks
                const int bias = db != NULL && b == 0;
                small_weight_dispatch(columns + (size_t)k0 * vectors * 16, vectors, P, dyImage + (size_t)f * P,
                                      dyImage + (size_t)f1 * P, yImage ? yImage + (size_t)f * P : NULL,
                                      yImage ? yImage + (size_t)f1 * P : NULL, s0 + (size_t)k0 * 16,
                                      s1 + (size_t)k0 * 16, bias ? s0 + (size_t)R * 16 : NULL,
                                      bias ? s1 + (size_t)R * 16 : NULL, KB);
                k0 += KB;
            }
        }
    }
    for (int f = f_begin; f < f_end; f++) {
        const float *s = sums + f * per_channel;
        for (int k = 0; k < R; k++) dw[(size_t)f * R + k] += _mm512_reduce_add_ps(_mm512_loadu_ps(s + k * 16));
        if (db) db[f] += _mm512_reduce_add_ps(_mm512_loadu_ps(s + R * 16));
    }
}

void cnn_conv_small_forward(const float *images, int count, const cnn_conv_geometry *g, const float *packed, int F,
                            int f_begin, int f_end, const float *bias, int relu, float *out, float *scratch) {
    small_forward_avx512(images, count, g, packed, F, f_begin, f_end, bias, relu, out, scratch);
}

void cnn_conv_small_weight_gradient(const float *images, int count, const cnn_conv_geometry *g, const float *dy,
                                    const float *output, int F, int f_begin, int f_end, float *scratch, float *dw,
                                    float *db) {
    small_weight_gradient_avx512(images, count, g, dy, output, F, f_begin, f_end, scratch, dw, db);
}

#else

void cnn_conv_small_forward(const float *images, int count, const cnn_conv_geometry *g, const float *packed, int F,
                            int f_begin, int f_end, const float *bias, int relu, float *out, float *scratch) {
    (void)images; (void)count; (void)g; (void)packed; (void)F; (void)f_begin; (void)f_end; (void)bias; (void)relu;
    (void)out; (void)scratch;
    abort();  // cnn_kernels_available() is 0 here: callers never get this far
}

void cnn_conv_small_weight_gradient(const float *images, int count, const cnn_conv_geometry *g, const float *dy,
                                    const float *output, int F, int f_begin, int f_end, float *scratch, float *dw,
                                    float *db) {
    (void)images; (void)count; (void)g; (void)dy; (void)output; (void)F; (void)f_begin; (void)f_end; (void)scratch;
    (void)dw; (void)db;
    abort();
}

#endif
