// 2×2 stride-2 max pooling with AVX-512 (see include/cnn_maxpool.h).
//
// Why in C: the Swift package is built for baseline x86-64, so MaxPool2D's SIMD8 selects run as
// SSE2 and/andnot/or blends, four instructions where AVX-512 needs one masked move. Here 16
// windows at a time: two rows of 32 inputs are loaded (masked at the row's end, so nothing past a
// plane is read), split into the windows' four corners by two-source permutes, and the winner is
// chosen with compare masks in PyTorch's order (later corner wins if larger or NaN).
//
// version 1 (session 10): `bench train --norm none --profile --threads 1`, Swift loops and these
//   kernels alternating, 2 rounds: smallcnn's first pool (64×32×28×28) forward 0.59–0.61 → 0.40–0.42
//   ms, backward 0.46–0.47 → 0.39–0.42; the profile's pooling row 1.61 → 1.26–1.32 ms per step. What
//   is left is memory: the forward reads 6.4 MB and writes 3.2 MB in 0.4 ms.

#include "cnn_maxpool.h"

#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#if defined(__x86_64__)

#define AVX512 __attribute__((target("avx512f")))

static inline __mmask16 first_lanes(int n) { return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n > 0 ? n : 0)) - 1u); }

// Inputs 0, 2, …, 30 (the windows' left corners) and 1, 3, …, 31 (right corners) of a 32-float
// row piece held as two vectors; EVEN_LANES is also each window's offset from the piece's start.
#define EVEN_LANES _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30)
#define ODD_LANES _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31)
// Interleaving two corner vectors back into a row piece: lanes 0…7 of each, then lanes 8…15.
#define INTERLEAVE_LOW _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23)
#define INTERLEAVE_HIGH _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31)

// `candidate` replaces `best` (and its index) where it is larger or NaN: PyTorch's rule.
#define CONSIDER(candidate, candidate_index)                                                       \
    do {                                                                                           \
        const __mmask16 take = _mm512_cmp_ps_mask(candidate, best, _CMP_GT_OQ) |                   \
                               _mm512_cmp_ps_mask(candidate, candidate, _CMP_UNORD_Q);             \
        best = _mm512_mask_mov_ps(best, take, candidate);                                          \
        at = _mm512_mask_mov_epi32(at, take, candidate_index);                                     \
    } while (0)

AVX512 static void forward_avx512(const float *x, int planes, int H, int W, float *y, int32_t *index) {
    const int OH = H / 2, OW = W / 2;
    const __m512i even = EVEN_LANES, odd = ODD_LANES;  // also each window's left corner: 2·lane
    const __m512i one = _mm512_set1_epi32(1), below = _mm512_set1_epi32(W), below_right = _mm512_set1_epi32(W + 1);
    for (int plane = 0; plane < planes; plane++) {
        const float *xp = x + (size_t)plane * H * W;
        float *yp = y + (size_t)plane * OH * OW;
        int32_t *ip = index + (size_t)plane * OH * OW;
        for (int oy = 0; oy < OH; oy++) {
            for (int ox = 0; ox < OW; ox += 16) {
                const int lanes = OW - ox < 16 ? OW - ox : 16, a = 2 * oy * W + 2 * ox;
                const __mmask16 low = first_lanes(2 * lanes), high = first_lanes(2 * lanes - 16);
                const __m512 u0 = _mm512_maskz_loadu_ps(low, xp + a), u1 = _mm512_maskz_loadu_ps(high, xp + a + 16);
                const __m512 l0 = _mm512_maskz_loadu_ps(low, xp + a + W);
                const __m512 l1 = _mm512_maskz_loadu_ps(high, xp + a + W + 16);
                const __m512i first = _mm512_add_epi32(even, _mm512_set1_epi32(a));
                __m512 best = _mm512_permutex2var_ps(u0, even, u1);
                __m512i at = first;
                CONSIDER(_mm512_permutex2var_ps(u0, odd, u1), _mm512_add_epi32(first, one));
                CONSIDER(_mm512_permutex2var_ps(l0, even, l1), _mm512_add_epi32(first, below));
                CONSIDER(_mm512_permutex2var_ps(l0, odd, l1), _mm512_add_epi32(first, below_right));
                const __mmask16 out = first_lanes(lanes);
                _mm512_mask_storeu_ps(yp + oy * OW + ox, out, best);
                _mm512_mask_storeu_epi32(ip + oy * OW + ox, out, at);
            }
        }
    }
}

AVX512 static void backward_avx512(const float *dy, const float *clamped, const int32_t *index, int planes, int H,
                                   int W, float *dx) {
    const int OH = H / 2, OW = W / 2;
    const __m512i interleave_low = INTERLEAVE_LOW, interleave_high = INTERLEAVE_HIGH;
    const __m512i twice_lane = EVEN_LANES;  // each window's left corner
    const __m512i one = _mm512_set1_epi32(1), below = _mm512_set1_epi32(W), below_right = _mm512_set1_epi32(W + 1);
    const __m512 zero = _mm512_setzero_ps();
    for (int plane = 0; plane < planes; plane++) {
        const size_t o0 = (size_t)plane * OH * OW;
        float *dxp = dx + (size_t)plane * H * W;
        for (int oy = 0; oy < OH; oy++) {
            for (int ox = 0; ox < OW; ox += 16) {
                const int lanes = OW - ox < 16 ? OW - ox : 16, a = 2 * oy * W + 2 * ox;
                const size_t o = o0 + (size_t)oy * OW + ox;
                const __mmask16 out = first_lanes(lanes);
                __m512 g = _mm512_maskz_loadu_ps(out, dy + o);
                if (clamped) {
                    const __m512 pooled = _mm512_maskz_loadu_ps(out, clamped + o);
                    g = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(pooled, zero, _CMP_GT_OQ), g);
                }
                g = _mm512_add_ps(zero, g);  // 0 + g, as the Swift loops write (−0 → +0)
                const __m512i at = _mm512_maskz_loadu_epi32(out, index + o);
                const __m512i first = _mm512_add_epi32(twice_lane, _mm512_set1_epi32(a));
                const __m512 e0 = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(at, first), g);
                const __m512 e1 = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(at, _mm512_add_epi32(first, one)), g);
                const __m512 e2 = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(at, _mm512_add_epi32(first, below)), g);
                const __m512 e3 =
                    _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(at, _mm512_add_epi32(first, below_right)), g);
                const __mmask16 low = first_lanes(2 * lanes), high = first_lanes(2 * lanes - 16);
                _mm512_mask_storeu_ps(dxp + a, low, _mm512_permutex2var_ps(e0, interleave_low, e1));
                _mm512_mask_storeu_ps(dxp + a + 16, high, _mm512_permutex2var_ps(e0, interleave_high, e1));
                _mm512_mask_storeu_ps(dxp + a + W, low, _mm512_permutex2var_ps(e2, interleave_low, e3));
                _mm512_mask_storeu_ps(dxp + a + W + 16, high, _mm512_permutex2var_ps(e2, interleave_high, e3));
            }
            if (W > 2 * OW) {  // an odd width: the last column is in no window
                dxp[2 * oy * W + W - 1] = 0;
                dxp[(2 * oy + 1) * W + W - 1] = 0;
            }
        }
        if (H > 2 * OH) memset(dxp + (size_t)2 * OH * W, 0, (size_t)(H - 2 * OH) * W * sizeof(float));
    }
}

void cnn_maxpool2x2_forward(const float *x, int planes, int H, int W, float *y, int32_t *index) {
    forward_avx512(x, planes, H, W, y, index);
}

void cnn_maxpool2x2_backward(const float *dy, const float *clamped, const int32_t *index, int planes, int H, int W,
                             float *dx) {
    backward_avx512(dy, clamped, index, planes, H, W, dx);
}

#else

void cnn_maxpool2x2_forward(const float *x, int planes, int H, int W, float *y, int32_t *index) {
    (void)x; (void)planes; (void)H; (void)W; (void)y; (void)index;
    abort();  // cnn_kernels_available() is 0 here: callers never get this far
}

void cnn_maxpool2x2_backward(const float *dy, const float *clamped, const int32_t *index, int planes, int H, int W,
                             float *dx) {
    (void)dy; (void)clamped; (void)index; (void)planes; (void)H; (void)W; (void)dx;
    abort();
}

#endif
