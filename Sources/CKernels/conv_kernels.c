// Convolution kernels with im2col folded into the GEMM's packing (see include/cnn_kernels.h).
//
// Dropped (no change beyond the noise, one thread, CPU time): the weight gradient's panel packed
//   8 rows at a time right before their products; unmasked ∂Yᵀ loads for full channel blocks; one
//   masked load per tap for same-size convolutions (OW = W) instead of one per row piece.
// Not a version: the three 8×32 kernels share MICRO_ACCUMULATORS / MICRO_STEP / MICRO_TILE and
//   store_tile; clang -O3 emits the same instructions (register choice aside), and bench kernels
//   measured the same GFLOP/s within the noise (6 runs each, 1 thread).
// version 12 (∂W; session 10): the zero-padded copy is written once, row by row, with masked
//   loads and stores (`padded_copy`) instead of a memset of the whole copy and then a memcpy per
//   image row. Same bits. conv_kernels.sh now times ∂W's parts too; at batch 64, 2 runs: the
//   products alone 109–112 GFLOP/s (94–96% of the FMA peak), the copy and ∂Yᵀ 1.05–1.06 ms of
//   9.08–9.17 at 32→32 28×28 (12%), 8–9% at 14×14. In a trial harness of those parts (same runs
//   order, 2 rounds) this copy took ∂W 8.86–9.01 → 8.62–8.78 ms at 28×28, 14×14 4.44 → 4.33 and
//   8.80–8.86 → 8.56–8.73. Tried and dropped in that harness: no copy at all (broadcasts straight from the
//   image, zero rows and per-lane selects at the borders): the products slowed by as much as the
//   copy saved at 28×28, and more at 14×14 (2 of 14 columns are borders); ∂Yᵀ's blocks position
//   by position instead of channel block by channel block: no change.
// version 11 (forward, ∂x; session 9): the next image's planes (and, for a gated store, the next
//   image's gate) are prefetched into L2 a slice per tile during this image's tiles, as version 8
//   does for ∂W, and a gated store's gate lines are prefetched with the tile's output lines. Same
//   bits. conv_kernels.sh at batch 64 (clang), alternating, 2 undisturbed rounds each: forward
//   32→32 at 28×28 103.6–105.3 → 106.7–107.6 GFLOP/s, 32→64 104.8–105.9 → 108.6–109.1, 64→64
//   104.3–107.8 → 107.6–109.7; ∂x 101.2–105.4 → 106.4–107.6, 100.7–103.6 → 104.0–107.7,
//   105.5–108.0 → 108.6–109.7; gated ∂x at 28×28 92.3–93.9 → 100.3–101.2. Tried and dropped: ∂W's
//   positions in bands of output rows whose ∂Yᵀ fits in L1 (12–24 KB): 3–10% slower at 14×14 (a
//   band's accumulator loads and stores outweigh the L2 reads it saves), ±3% at 28×28.
// version 10 (∂x): an optional gate on the store (`cnn_conv_forward_images_gated`): the input
//   gradient of a conv whose input is a ReLU's output keeps a value only where that input is > 0,
//   the ReLU's backward applied as ∂x is written instead of in a pass over the gradient of the
//   conv before the ReLU (the no-norm network's `maskReLUGradient`). Same bits. `bench train
//   --norm none`, alternating, 5 rounds: 1,666 / 1,690 / 1,607 / 1,603 / 1,681 → 1,696 / 1,697 /
//   1,607 / 1,657 / 1,688 training images/s; the profile's "activation" row 0.50–0.53 → 0.01 ms.
// version 9 (forward, ∂x): the panel's rows and the packed weights run tap by tap (k = t·C + c,
//   `cnn_conv_pack_weights_by_tap`) instead of channel by channel, so that the packing kernel reads
//   a tap's pieces once and runs its channels as straight-line code (the pieces' masks and offsets
//   hoisted, their counts compile-time constants). The sums over k are taken in another order: the
//   bits change, not the value beyond rounding. conv_kernels.sh at batch 64 (clang), alternating, 3
//   rounds: 32→32 at 28×28 forward 103.7–104.4 → 104.3–107.3 GFLOP/s, ∂x 103.4–105.1 →
//   104.7–108.2; 64→64 at 14×14 forward 103.0–104.0 → 107.5–109.4, ∂x 103.1–106.2 → 107.7–110.6.
// version 8 (∂W): the next image's input and output gradient are prefetched into L2 during this
//   image's products (Conv2D passes them): conv_kernels.sh at batch 64, alternating, 3 rounds:
//   14×14 ∂W 92–95 → 97–99 GFLOP/s, 28×28 90–94 → 94–97. Tried and dropped: writing the padded
//   copy with masked AVX-512 stores instead of memset + memcpy per row (slower: both wait on L3).
// version 7 (forward, ∂x): the short last tiles of several images share one vector (see
//   cnn_conv_forward_images below): conv_kernels.sh at batch 64, 3 rounds against version 6:
//   32→64 at 14×14 forward 96 → 101–102 GFLOP/s, ∂x 90 → 94–100; 64→64 forward and ∂x 98 → 103.
// version 6 (forward, ∂x): the output lines of a tile are prefetched in exclusive state before its
//   products, the image planes two tiles ahead, and the vector plans are built once per thread and
//   geometry: scripts/bench/conv_kernels.sh at batch 64 (outputs and inputs leave L2, as in a
//   training step), old and new alternating, 3 rounds: 28×28 forward 95–96 → 102–104 GFLOP/s, ∂x
//   95–97 → 102–104; 14×14 +0–2%. In `bench train --norm batch --profile` (2 threads) the 32→32
//   forward went 5.05 → 4.70 ms.
// version 5 (forward, ∂x): an image's last tile of 16 or fewer positions runs a one-vector kernel
//   (8×16) instead of the 8×32 one: 14×14 (196 = 6·32 + 4) forward 94–97 → 102–104 GFLOP/s, ∂x
//   94–97 → 101–103, 28×28 unchanged (scripts/bench/conv_kernels.sh, old and new alternating).
// version 4 (∂W): no panel; the micro-kernel broadcasts straight from a zero-padded copy of the
//   image (8 row pointers, one per (c, ky, kx)) and reduces over the whole image per call: ∂W
//   81–91 → 94–101 GFLOP/s (one thread, C harness, same run), level with the forward.
// version 3: ∂Yᵀ by 16×16 register transposes instead of gathers (∂W 0.80–0.87 → 0.85–0.96 of
//   the forward's GFLOP/s, one thread, C harness, same run); a ReLU on the forward's store; forward
//   and ∂W over a range of output / input channels, so that one image can be split over threads.
//   Tried and dropped: ∂W super-panels of up to 1 MB (several 32-position tiles reduced per
//   micro-kernel call, fewer ∂Wᵀ loads and stores): ±3%, within the noise.
// version 2 (forward): the first block of 8 output channels packs the panel inside its micro-kernel
//   (micro_kernel_packing), the others read it.
// version 1: per tile of 32 output positions, pack the (R, 32) column panel with masked shifted
//   loads (up to ⌈16/OW⌉+1 row pieces per 16-lane vector, their masks and offsets computed once per
//   tile and shared by all channels), then an 8×32 micro-kernel (16 zmm accumulators, 2 panel loads
//   and 8 weight broadcasts per k) for every block of 8 output channels.

#include "cnn_kernels.h"
#include "conv_plan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

#define TILE 32          // output positions per panel (two 16-lane vectors)
#define MR 8             // output channels per micro-kernel call
#define MAX_TAPS 121     // kernels up to 11×11
#define MAX_PIECES 17    // row pieces of one 16-lane vector (OW = 1 gives 16 pieces)

int cnn_kernels_available(void) {
#if defined(__x86_64__)
    static int cached = -1;
    if (cached >= 0) return cached;
    int result = 0;
    const char *forced = getenv("CNNTRAIN_KERNELS");
    unsigned int eax, ebx, ecx, edx;
    if (forced && strcmp(forced, "reference") == 0) {
        result = 0;
    } else if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & (1u << 27))) {  // OSXSAVE
        unsigned int lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        const unsigned int needed = (1u << 1) | (1u << 2) | (1u << 5) | (1u << 6) | (1u << 7);
        if ((lo & needed) == needed && __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) {
            result = (ebx & (1u << 16)) ? 1 : 0;  // AVX512F
        }
    }
    cached = result;
    return result;
#else
    return 0;
#endif
}

int cnn_conv_supported(const cnn_conv_geometry *g) {
    // R < 32 (e.g. the 1→32 first layer, R = 9) is not for these kernels: with so short a reduction
    // the per-tile plan and panel dominate (forward 55 vs 84 GFLOP/s, ∂W 21 vs 80, one thread). Its
    // forward runs conv_small_kernels.c, its backward im2col + OpenBLAS.
    return g->channels * g->kernel_height * g->kernel_width >= 32 && g->kernel_height >= 1 && g->kernel_width >= 1 && g->kernel_height * g->kernel_width <= MAX_TAPS &&
           g->output_height >= 1 && g->output_width >= 1 &&
           g->output_height == g->height + 2 * g->padding - g->kernel_height + 1 &&
           g->output_width == g->width + 2 * g->padding - g->kernel_width + 1;
}

size_t cnn_conv_packed_weights_count(int F, int R) { return (size_t)((F + MR - 1) / MR) * MR * (size_t)R; }
size_t cnn_conv_panel_count(int R) { return (size_t)R * TILE; }
size_t cnn_conv_weight_scratch_count(const cnn_conv_geometry *g) {
    return (size_t)g->channels * (g->height + 2 * g->padding) * (g->width + 2 * g->padding);
}

void cnn_conv_pack_weights(const float *weights, int F, int R, float *packed) {
    for (int f0 = 0; f0 < F; f0 += MR) {
        float *block = packed + (size_t)f0 * R;  // (R, MR)
        for (int k = 0; k < R; k++) {
            for (int i = 0; i < MR; i++) {
                block[k * MR + i] = f0 + i < F ? weights[(size_t)(f0 + i) * R + k] : 0.0f;
            }
        }
    }
}

void cnn_conv_pack_weights_by_tap(const float *weights, int F, int C, int T, float *packed) {
    const int R = C * T;
    for (int f0 = 0; f0 < F; f0 += MR) {
        float *block = packed + (size_t)f0 * R;  // (R, MR), row k = t·C + c
        for (int t = 0; t < T; t++) {
            for (int c = 0; c < C; c++) {
                for (int i = 0; i < MR; i++) {
                    block[(size_t)(t * C + c) * MR + i] = f0 + i < F ? weights[(size_t)(f0 + i) * R + c * T + t] : 0.0f;
                }
            }
        }
    }
}

void cnn_conv_pack_weights_transposed(const float *weights, int F, int C, int KH, int KW, float *packed) {
    const int T = KH * KW, R = F * T;  // rows of the transposed problem: (ky, kx, f), tap by tap
    for (int c0 = 0; c0 < C; c0 += MR) {
        float *block = packed + (size_t)c0 * R;
        for (int t = 0; t < T; t++) {
            const int flipped = T - 1 - t;  // (KH−1−ky, KW−1−kx)
            for (int f = 0; f < F; f++) {
                for (int i = 0; i < MR; i++) {
                    const int c = c0 + i;
                    block[(size_t)(t * F + f) * MR + i] = c < C ? weights[((size_t)f * C + c) * T + flipped] : 0.0f;
                }
            }
        }
    }
}

#if defined(__x86_64__)

#define AVX512 __attribute__((target("avx512f")))

// The gather plan of one 16-lane vector of output positions: tap t has count[t] pieces; lane l of
// piece i reads plane[offset[t][i] + l], and lanes outside mask[t][i] are zero (padding or past P).
// The kernels read it from a local copy: with the pieces behind pointers into the cache below,
// clang reloads them after every panel store (forward 98 → 95 GFLOP/s, conv_kernels.sh).
typedef struct {
    int count[MAX_TAPS];
    __mmask16 mask[MAX_TAPS][MAX_PIECES];
    int offset[MAX_TAPS][MAX_PIECES];
} vector_plan;

// The plans of all ⌈P/16⌉ vectors of an image (and one empty vector after them, which the second
// plan of a last tile of ≤ 16 positions points at), for one spatial geometry. They depend on the
// geometry only, so each thread builds them once and keeps them (version 6: built per tile and
// image before, 1.2% of a training step's CPU time, `perf`).
typedef struct {
    int height, width, kernel_height, kernel_width, padding, output_height, output_width;  // the key
    int vectors;        // ⌈P/16⌉ + 1
    int *first;         // vectors × (T + 1): vector v's tap t has pieces first[v(T+1) + t] …
    __mmask16 *mask;    // all pieces, vector by vector, tap by tap
    int *offset;
} image_plan;

#define PLAN_CACHE 8  // geometries kept per thread (smallcnn has two; ∂x shares its conv's)
static _Thread_local image_plan plan_cache[PLAN_CACHE];
static _Thread_local int plan_cache_next;

static int same_spatial_geometry(const image_plan *plan, const cnn_conv_geometry *g) {
    return plan->first && plan->height == g->height && plan->width == g->width &&
           plan->kernel_height == g->kernel_height && plan->kernel_width == g->kernel_width &&
           plan->padding == g->padding && plan->output_height == g->output_height &&
           plan->output_width == g->output_width;
}

static void build_image_plan(const cnn_conv_geometry *g, image_plan *plan) {
    const int T = g->kernel_height * g->kernel_width, P = g->output_height * g->output_width;
    const int vectors = (P + 15) / 16 + 1;
    conv_piece pieces[MAX_PIECES * MAX_TAPS];
    int total = 0;
    for (int v = 0; v < vectors; v++) total += conv_vector_pieces(g, 16 * v, P, pieces);
    int *first = malloc(sizeof(int) * (size_t)vectors * (T + 1));
    __mmask16 *mask = malloc(sizeof(__mmask16) * (size_t)(total > 0 ? total : 1));
    int *offset = malloc(sizeof(int) * (size_t)(total > 0 ? total : 1));
    if (!first || !mask || !offset) abort();  // a few KB: out of memory altogether
    int next = 0;
    for (int v = 0; v < vectors; v++) {
        const int count = conv_vector_pieces(g, 16 * v, P, pieces);
        int *starts = first + (size_t)v * (T + 1);
        for (int t = 0; t < T; t++) {  // regrouped by tap, each tap's pieces in run order
            starts[t] = next;
            for (int i = 0; i < count; i++) {
                if (pieces[i].tap != t) continue;
                mask[next] = (__mmask16)pieces[i].mask;
                offset[next] = pieces[i].offset;
                next++;
            }
        }
        starts[T] = next;
    }
    *plan = (image_plan){g->height, g->width, g->kernel_height, g->kernel_width, g->padding, g->output_height,
                         g->output_width, vectors, first, mask, offset};
}

// This thread's plans for g's spatial geometry, built on first use.
static const image_plan *image_plan_for(const cnn_conv_geometry *g) {
    for (int i = 0; i < PLAN_CACHE; i++) {
        if (same_spatial_geometry(&plan_cache[i], g)) return &plan_cache[i];
    }
    image_plan *slot = &plan_cache[plan_cache_next];
    plan_cache_next = (plan_cache_next + 1) % PLAN_CACHE;
    free(slot->first);
    free(slot->mask);
    free(slot->offset);
    build_image_plan(g, slot);
    return slot;
}

// Vector v's plan copied out of the cache (only the T taps' pieces).
static void copy_vector_plan(const image_plan *plan, int v, int T, vector_plan *out) {
    const int *starts = plan->first + (size_t)v * (T + 1);
    for (int t = 0; t < T; t++) {
        const int first = starts[t], count = starts[t + 1] - first;
        out->count[t] = count;
        for (int i = 0; i < count; i++) {
            out->mask[t][i] = plan->mask[first + i];
            out->offset[t][i] = plan->offset[first + i];
        }
    }
}

// The 16 lanes of tap t of one vector from a channel plane: one or two zero-masked loads (OR-ed,
// independent) in all but the narrowest images. The offsets may point before the plane; only
// masked-in lanes are read.
AVX512 static inline __attribute__((always_inline)) __m512 gather_tap(uintptr_t plane, const vector_plan *plan, int t) {
#define PIECE(i) ((const float *)(plane + (intptr_t)plan->offset[t][i] * (intptr_t)sizeof(float)))
    switch (plan->count[t]) {
    case 0: return _mm512_setzero_ps();
    case 1: return _mm512_maskz_loadu_ps(plan->mask[t][0], PIECE(0));
    case 2:
        return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(_mm512_maskz_loadu_ps(plan->mask[t][0], PIECE(0))),
                                                   _mm512_castps_si512(_mm512_maskz_loadu_ps(plan->mask[t][1], PIECE(1)))));
    default: {
        __m512 v = _mm512_setzero_ps();
        for (int i = 0; i < plan->count[t]; i++) v = _mm512_mask_loadu_ps(v, plan->mask[t][i], PIECE(i));
        return v;
    }
    }
#undef PIECE
}

// The 8×32 micro-kernel's 16 accumulators (output row i's 32 lanes are ci0, ci1), its step, and
// its result as an array. Macros, not functions, so that the accumulators stay named registers in
// each of the three kernels that use them.
#define MICRO_ACCUMULATORS                                                                                    \
    __m512 c00 = _mm512_setzero_ps(), c01 = _mm512_setzero_ps(), c10 = _mm512_setzero_ps(), c11 = _mm512_setzero_ps(); \
    __m512 c20 = _mm512_setzero_ps(), c21 = _mm512_setzero_ps(), c30 = _mm512_setzero_ps(), c31 = _mm512_setzero_ps(); \
    __m512 c40 = _mm512_setzero_ps(), c41 = _mm512_setzero_ps(), c50 = _mm512_setzero_ps(), c51 = _mm512_setzero_ps(); \
    __m512 c60 = _mm512_setzero_ps(), c61 = _mm512_setzero_ps(), c70 = _mm512_setzero_ps(), c71 = _mm512_setzero_ps()

// Row i's two accumulators += value × (b0, b1): one broadcast, two FMAs. A kernel whose tile is
// one vector wide (`vectors`, a compile-time constant in scope, is 1) skips the second FMA.
#define MICRO_ROW(c0, c1, value, b0, b1)                                                                       \
    do {                                                                                                       \
        const __m512 w_ = _mm512_set1_ps(value);                                                               \
        c0 = _mm512_fmadd_ps(w_, b0, c0);                                                                      \
        if (vectors == 2) c1 = _mm512_fmadd_ps(w_, b1, c1);                                                    \
    } while (0)

// The 8 rows' step, row i's value given by row(i): 8 broadcasts, 16 FMAs.
#define MICRO_ROWS(row, b0, b1)                                                                                \
    do {                                                                                                       \
        MICRO_ROW(c00, c01, row(0), b0, b1); MICRO_ROW(c10, c11, row(1), b0, b1);                              \
        MICRO_ROW(c20, c21, row(2), b0, b1); MICRO_ROW(c30, c31, row(3), b0, b1);                              \
        MICRO_ROW(c40, c41, row(4), b0, b1); MICRO_ROW(c50, c51, row(5), b0, b1);                              \
        MICRO_ROW(c60, c61, row(6), b0, b1); MICRO_ROW(c70, c71, row(7), b0, b1);                              \
    } while (0)

// ci += a[i·stride] × (b0, b1) for the 8 rows.
#define MICRO_STEP(a_, stride, b0, b1)                                                                         \
    do {                                                                                                       \
        const float *a8 = (a_);                                                                                \
        const int stride8 = (stride);                                                                          \
        MICRO_ROWS(STRIDED_ROW, b0, b1);                                                                       \
    } while (0)
#define STRIDED_ROW(i) a8[(i) * stride8]

#define MICRO_TILE(name)                                                                                       \
    __m512 name[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}, {c60, c61}, {c70, c71}}

// The lanes of v whose gate value (a float of the same layout as the output, `gate` bytes from
// the output position) is > 0, the others 0: a ReLU's backward applied as the gradient is stored
// (NaN gates give 0, as in torch). The gate is another tensor: the offset is taken between
// addresses, not as C pointer arithmetic between objects.
#define GATE(p) ((const float *)((uintptr_t)(p) + (uintptr_t)gate))
AVX512 static inline __attribute__((always_inline)) __m512 gated(__m512 v, __mmask16 lanes, const float *gate_at) {
    const __m512 g = _mm512_maskz_loadu_ps(lanes, gate_at);
    return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(g, _mm512_setzero_ps(), _CMP_GT_OQ), v);
}

// Stores rows < rows of a finished (8, 32) tile into out (row stride P), lanes by masks m0, m1,
// adding bias when given, then clamping at 0 when relu is set, then gating when `gate` is not 0.
AVX512 static inline __attribute__((always_inline)) void store_tile(__m512 acc[MR][2], int rows, float *out, int P,
                                                                  __mmask16 m0, __mmask16 m1, const float *bias,
                                                                  int relu, intptr_t gate) {
    for (int i = 0; i < rows; i++) {
        __m512 v0 = acc[i][0], v1 = acc[i][1];
        if (bias) {
            const __m512 b = _mm512_set1_ps(bias[i]);
            v0 = _mm512_add_ps(v0, b);
            v1 = _mm512_add_ps(v1, b);
        }
        if (relu) {
            v0 = _mm512_max_ps(_mm512_setzero_ps(), v0);  // this order keeps a NaN, as torch.relu
            v1 = _mm512_max_ps(_mm512_setzero_ps(), v1);
        }
        if (gate) {
            v0 = gated(v0, m0, GATE(out + (size_t)i * P));
            v1 = gated(v1, m1, GATE(out + (size_t)i * P + 16));
        }
        _mm512_mask_storeu_ps(out + (size_t)i * P, m0, v0);
        _mm512_mask_storeu_ps(out + (size_t)i * P + 16, m1, v1);
    }
}

// A large operand of the next unit of work (the next image's input, gradient or gate), prefetched
// into L2 a slice at a time while this unit's blocks run: `slice_bytes(bytes, blocks)` per block,
// block `index`'s slice by `prefetch_slice`.
static inline size_t slice_bytes(size_t bytes, int blocks) { return blocks > 0 ? (bytes / blocks + 64) & ~(size_t)63 : 0; }
AVX512 static inline __attribute__((always_inline)) void prefetch_slice(const void *base, size_t bytes, size_t slice,
                                                                      size_t index) {
    for (size_t o = index * slice; o < (index + 1) * slice && o < bytes; o += 64) {
        _mm_prefetch((const char *)base + o, _MM_HINT_T1);
    }
}

// Asks for the tile's output lines in exclusive state before the products that precede their
// stores (R·16 cycles or more): without it the stores wait for the lines to come from L3 (forward
// and ∂x at 28×28 96 → 100–101 GFLOP/s, conv_kernels.sh at batch 64, where outputs leave L2).
// A gated store's gate lines likewise (read, not written).
AVX512 static inline __attribute__((always_inline)) void prefetch_tile_output(float *out, int P, int rows,
                                                                            const int vectors, intptr_t gate) {
    for (int i = 0; i < rows; i++) {
        _mm_prefetch((const char *)(out + (size_t)i * P), _MM_HINT_ET0);
        if (vectors == 2) _mm_prefetch((const char *)(out + (size_t)i * P + 16), _MM_HINT_ET0);
        if (gate) {
            _mm_prefetch((const char *)GATE(out + (size_t)i * P), _MM_HINT_T0);
            if (vectors == 2) _mm_prefetch((const char *)GATE(out + (size_t)i * P + 16), _MM_HINT_T0);
        }
    }
}

// Where a vector that holds the last L positions of several images goes: image j's lanes
// jL … jL + L − 1 (mask[j]) to its own output, out[j] + i·P for row i (already shifted back by jL).
typedef struct {
    int images;
    float *out[16];
    __mmask16 mask[16];
} split_store;

// store_tile for a one-vector tile whose lanes belong to several images.
AVX512 static inline __attribute__((always_inline)) void store_tile_split(__m512 acc[MR][2], int rows,
                                                                        const split_store *split, int P,
                                                                        const float *bias, int relu, intptr_t gate) {
    for (int i = 0; i < rows; i++) {
        __m512 v = acc[i][0];
        if (bias) v = _mm512_add_ps(v, _mm512_set1_ps(bias[i]));
        if (relu) v = _mm512_max_ps(_mm512_setzero_ps(), v);
        for (int j = 0; j < split->images; j++) {
            float *o = split->out[j] + (size_t)i * P;
            _mm512_mask_storeu_ps(o, split->mask[j], gate ? gated(v, split->mask[j], GATE(o)) : v);
        }
    }
}

// acc (8, 32) = packed A block (R, 8) × panel (R, 32); stores rows < rows into out (row stride P),
// lanes by masks m0, m1, adding bias when given. With vectors = 1 only the panel's first 16 lanes
// are multiplied (m1 is then 0): the image's last tile when 16 or fewer positions are left.
AVX512 static inline __attribute__((always_inline)) void micro_kernel_body(const float *a, const float *panel, int R,
                                                                         int rows, float *out, int P, __mmask16 m0,
                                                                         __mmask16 m1, const float *bias, int relu,
                                                                         intptr_t gate, const int vectors,
                                                                         const split_store *split) {
    prefetch_tile_output(out, P, rows, vectors, gate);
    MICRO_ACCUMULATORS;
    for (int k = 0; k < R; k++) {
        const __m512 b0 = _mm512_loadu_ps(panel + k * TILE);
        const __m512 b1 = vectors == 2 ? _mm512_loadu_ps(panel + k * TILE + 16) : b0;
        MICRO_STEP(a + k * MR, 1, b0, b1);
    }
    MICRO_TILE(acc);
    if (split) {
        store_tile_split(acc, rows, split, P, bias, relu, gate);
    } else {
        store_tile(acc, rows, out, P, m0, m1, bias, relu, gate);
    }
}

// One vector of tap t from one plane, its pieces given as compile-time counts n (0, 1 or 2) with
// their masks and offsets hoisted out of the channel loop.
AVX512 static inline __attribute__((always_inline)) __m512 gather_hoisted(const float *plane, const int n,
                                                                        __mmask16 ma, intptr_t oa, __mmask16 mb,
                                                                        intptr_t ob) {
    if (n == 0) return _mm512_setzero_ps();
    if (n == 1) return _mm512_maskz_loadu_ps(ma, plane + oa);
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(_mm512_maskz_loadu_ps(ma, plane + oa)),
                                               _mm512_castps_si512(_mm512_maskz_loadu_ps(mb, plane + ob))));
}

// Tap t of every channel (panel rows k = t·C … t·C + C − 1) with both vectors' pieces hoisted:
// n0, n1 pieces (compile-time) for vectors 0 and 1.
#define PACK_TAP_CHANNELS(n0, n1)                                                                              \
    do {                                                                                                       \
        /* a second piece is read only where there is one (the plan copies `count` pieces) */             \
        const __mmask16 ma0 = plans[0].mask[t][0], mb0 = n0 == 2 ? plans[0].mask[t][1] : 0;                    \
        const intptr_t oa0 = plans[0].offset[t][0], ob0 = n0 == 2 ? plans[0].offset[t][1] : 0;                 \
        const __mmask16 ma1 = plans[vectors - 1].mask[t][0], mb1 = n1 == 2 ? plans[vectors - 1].mask[t][1] : 0; \
        const intptr_t oa1 = plans[vectors - 1].offset[t][0], ob1 = n1 == 2 ? plans[vectors - 1].offset[t][1] : 0; \
        const float *plane = image;                                                                            \
        for (int c = 0; c < C; c++, k++, plane += HW) {                                                        \
            const __m512 b0 = gather_hoisted(plane, n0, ma0, oa0, mb0, ob0);                                   \
            const __m512 b1 = vectors == 2 ? gather_hoisted(plane, n1, ma1, oa1, mb1, ob1) : b0;               \
            _mm512_storeu_ps(panel + k * TILE, b0);                                                            \
            if (vectors == 2) _mm512_storeu_ps(panel + k * TILE + 16, b1);                                     \
            MICRO_STEP(a + k * MR, 1, b0, b1);                                                                 \
        }                                                                                                      \
    } while (0)

// micro_kernel for the first block of output channels, packing the panel as it goes: each k's
// vectors come straight from the image and are also stored for the blocks after it. Version 9:
// the panel's rows run tap by tap (k = t·C + c), so that a tap's pieces are read once and the
// channel loop is straight-line code.
AVX512 static inline __attribute__((always_inline)) void micro_kernel_packing_body(
    const float *a, const float *image, const cnn_conv_geometry *g, const vector_plan *plans, float *panel, int rows,
    float *out, int P, __mmask16 m0, __mmask16 m1, const float *bias, int relu, intptr_t gate, const int vectors,
    const split_store *split) {
    const int C = g->channels, HW = g->height * g->width, T = g->kernel_height * g->kernel_width;
    const vector_plan *edge = &plans[vectors - 1];
    const int ahead = (edge->count[T - 1] > 0 ? edge->offset[T - 1][edge->count[T - 1] - 1] + 16 : 0) + 2 * TILE;
    for (int c = 0; c < C; c++) {
        if (ahead < HW) _mm_prefetch((const char *)(image + (size_t)c * HW + ahead), _MM_HINT_T0);
        if (ahead + 16 < HW) _mm_prefetch((const char *)(image + (size_t)c * HW + ahead + 16), _MM_HINT_T0);
    }
    prefetch_tile_output(out, P, rows, vectors, gate);
    MICRO_ACCUMULATORS;
    int k = 0;
    for (int t = 0; t < T; t++) {
        const int n0 = plans[0].count[t], n1 = vectors == 2 ? plans[1].count[t] : 1;
        if (n0 == 2 && n1 == 2) {
            PACK_TAP_CHANNELS(2, 2);
        } else if (n0 == 1 && n1 == 2) {
            PACK_TAP_CHANNELS(1, 2);
        } else if (n0 == 2 && n1 == 1) {
            PACK_TAP_CHANNELS(2, 1);
        } else if (n0 == 1 && n1 == 1) {
            PACK_TAP_CHANNELS(1, 1);
        } else {  // taps with no piece or with more than two (narrow images, shared tails)
            for (int c = 0; c < C; c++, k++) {
                const uintptr_t plane = (uintptr_t)(image + (size_t)c * HW);
                const __m512 b0 = gather_tap(plane, plans, t);
                const __m512 b1 = vectors == 2 ? gather_tap(plane, plans + 1, t) : b0;
                _mm512_storeu_ps(panel + k * TILE, b0);
                if (vectors == 2) _mm512_storeu_ps(panel + k * TILE + 16, b1);
                MICRO_STEP(a + k * MR, 1, b0, b1);
            }
        }
    }
    MICRO_TILE(acc);
    if (split) {
        store_tile_split(acc, rows, split, P, bias, relu, gate);
    } else {
        store_tile(acc, rows, out, P, m0, m1, bias, relu, gate);
    }
}

// The kernels for a full (32-lane) tile and for a last tile of at most 16 positions: at 14×14
// (196 = 6·32 + 4) the narrow one saves half a tile of 7 per channel block.
AVX512 static void micro_kernel(const float *a, const float *panel, int R, int rows, float *out, int P, __mmask16 m0,
                                __mmask16 m1, const float *bias, int relu, intptr_t gate) {
    micro_kernel_body(a, panel, R, rows, out, P, m0, m1, bias, relu, gate, 2, NULL);
}
AVX512 static void micro_kernel_narrow(const float *a, const float *panel, int R, int rows, float *out, int P,
                                       __mmask16 m0, const float *bias, int relu, intptr_t gate) {
    micro_kernel_body(a, panel, R, rows, out, P, m0, 0, bias, relu, gate, 1, NULL);
}
AVX512 static void micro_kernel_packing(const float *a, const float *image, const cnn_conv_geometry *g,
                                        const vector_plan *plans, float *panel, int rows, float *out, int P,
                                        __mmask16 m0, __mmask16 m1, const float *bias, int relu, intptr_t gate) {
    micro_kernel_packing_body(a, image, g, plans, panel, rows, out, P, m0, m1, bias, relu, gate, 2, NULL);
}
AVX512 static void micro_kernel_packing_narrow(const float *a, const float *image, const cnn_conv_geometry *g,
                                               const vector_plan *plans, float *panel, int rows, float *out, int P,
                                               __mmask16 m0, const float *bias, int relu, intptr_t gate) {
    micro_kernel_packing_body(a, image, g, plans, panel, rows, out, P, m0, 0, bias, relu, gate, 1, NULL);
}
// The narrow kernels for the vector of several images' tails (`conv_tail_group_avx512`).
AVX512 static void micro_kernel_split(const float *a, const float *panel, int R, int rows, int P,
                                      const split_store *split, const float *bias, int relu, intptr_t gate) {
    micro_kernel_body(a, panel, R, rows, split->out[0], P, 0, 0, bias, relu, gate, 1, split);
}
AVX512 static void micro_kernel_packing_split(const float *a, const float *image, const cnn_conv_geometry *g,
                                              const vector_plan *plans, float *panel, int rows, int P,
                                              const split_store *split, const float *bias, int relu, intptr_t gate) {
    micro_kernel_packing_body(a, image, g, plans, panel, rows, split->out[0], P, 0, 0, bias, relu, gate, 1, split);
}

// Output channels [f_begin, f_end) of one image (f_begin a multiple of 8); the first block of
// the range packs the panels.
AVX512 static void conv_forward_avx512(const float *image, const cnn_conv_geometry *g, const float *packed, int f_begin,
                                       int f_end, const float *bias, int relu, intptr_t gate, float *out, float *panel,
                                       int p_end, const float *next_image, const float *next_gate) {
    const int P = g->output_height * g->output_width;
    const int R = g->channels * g->kernel_height * g->kernel_width;
    const int T = g->kernel_height * g->kernel_width;
    const image_plan *plan = image_plan_for(g);
    // Version 11: the next image's input (and gate: its rows of our output channels) into L2.
    const size_t next_bytes = next_image ? (size_t)g->channels * g->height * g->width * sizeof(float) : 0;
    const size_t gate_bytes = next_gate ? (size_t)(f_end - f_begin) * P * sizeof(float) : 0;
    const int tiles = (p_end + TILE - 1) / TILE;
    const size_t slice = slice_bytes(next_bytes, tiles), gate_slice = slice_bytes(gate_bytes, tiles);
    const float *gate_rows = next_gate ? next_gate + (size_t)f_begin * P : NULL;
    for (int p0 = 0; p0 < p_end; p0 += TILE) {
        prefetch_slice(next_image, next_bytes, slice, (size_t)(p0 / TILE));
        prefetch_slice(gate_rows, gate_bytes, gate_slice, (size_t)(p0 / TILE));
        vector_plan plans[2];
        copy_vector_plan(plan, p0 / 16, T, &plans[0]);
        copy_vector_plan(plan, p0 / 16 + 1, T, &plans[1]);
        const int left = P - p0;
        const __mmask16 m0 = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1u);
        const __mmask16 m1 = left >= 32 ? (__mmask16)0xFFFF : left <= 16 ? (__mmask16)0 : (__mmask16)((1u << (left - 16)) - 1u);
        for (int f0 = f_begin; f0 < f_end; f0 += MR) {
            const int rows = f_end - f0 < MR ? f_end - f0 : MR;
            const float *a = packed + (size_t)f0 * R, *b = bias ? bias + f0 : NULL;
            float *o = out + (size_t)f0 * P + p0;
            if (left <= 16 && f0 == f_begin) {
                micro_kernel_packing_narrow(a, image, g, plans, panel, rows, o, P, m0, b, relu, gate);
            } else if (left <= 16) {
                micro_kernel_narrow(a, panel, R, rows, o, P, m0, b, relu, gate);
            } else if (f0 == f_begin) {
                micro_kernel_packing(a, image, g, plans, panel, rows, o, P, m0, m1, b, relu, gate);
            } else {
                micro_kernel(a, panel, R, rows, o, P, m0, m1, b, relu, gate);
            }
        }
    }
}

void cnn_conv_forward(const float *image, const cnn_conv_geometry *g, const float *packed, int F,
                      const float *bias, int relu, float *out, float *panel) {
    conv_forward_avx512(image, g, packed, 0, F, bias, relu, 0, out, panel, g->output_height * g->output_width, NULL, NULL);
}

void cnn_conv_forward_outputs(const float *image, const cnn_conv_geometry *g, const float *packed, int f_begin,
                              int f_end, const float *bias, int relu, float *out, float *panel) {
    conv_forward_avx512(image, g, packed, f_begin, f_end, bias, relu, 0, out, panel, g->output_height * g->output_width,
                        NULL, NULL);
}

// Version 7: several images' short tails in one vector. When P = 32·m + L with 1 ≤ L ≤ 8 (14×14:
// 196 = 6·32 + 4), an image's last tile has L positions and ran a 16-lane kernel with 16 − L lanes
// idle; now the tails of k = ⌊16/L⌋ consecutive images fill one vector (image j in lanes jL …
// jL + L − 1, its pieces read k·C·H·W floats further on, its lanes stored to its own output).
// Each output is still the same chain of products in the same order: the bits do not change.
static int tail_group_size(const cnn_conv_geometry *g) {
    const int P = g->output_height * g->output_width, L = P % TILE;
    const size_t image = (size_t)g->channels * g->height * g->width;
    if (L < 1 || L > 8 || image * (16 / L) > (size_t)(1 << 30)) return 1;
    return 16 / L;
}

int cnn_conv_tail_group(const cnn_conv_geometry *g) { return tail_group_size(g); }

// The plan of the vector holding the tails of k images (image j at j·C·H·W floats from image 0).
// A tap's pieces stay within MAX_PIECES: one image's L-lane tail has at most L pieces per tap (one
// per output-row run), and k·L ≤ 16.
static void tail_group_plan(const image_plan *plan, const cnn_conv_geometry *g, int k, vector_plan *out) {
    const int T = g->kernel_height * g->kernel_width, P = g->output_height * g->output_width, L = P % TILE;
    const int stride = g->channels * g->height * g->width;
    vector_plan one;
    copy_vector_plan(plan, (P - L) / 16, T, &one);
    for (int t = 0; t < T; t++) {
        int count = 0;
        for (int j = 0; j < k; j++) {
            for (int i = 0; i < one.count[t]; i++, count++) {
                out->mask[t][count] = (__mmask16)(one.mask[t][i] << (j * L));
                out->offset[t][count] = one.offset[t][i] + j * stride - j * L;
            }
        }
        out->count[t] = count;
    }
}

// The tails of images 0 … k−1 (outputs (F, P) one after the other from out), all output channels.
AVX512 static void conv_tail_group_avx512(const float *images, int k, const cnn_conv_geometry *g, const float *packed,
                                          int F, const float *bias, int relu, intptr_t gate, float *out, float *panel) {
    const int P = g->output_height * g->output_width, L = P % TILE;
    const int R = g->channels * g->kernel_height * g->kernel_width;
    vector_plan plans[1];
    tail_group_plan(image_plan_for(g), g, k, &plans[0]);
    split_store split = {.images = k};
    for (int f0 = 0; f0 < F; f0 += MR) {
        const int rows = F - f0 < MR ? F - f0 : MR;
        for (int j = 0; j < k; j++) {
            split.out[j] = out + (size_t)j * F * P + (size_t)f0 * P + (P - L) - j * L;
            split.mask[j] = (__mmask16)(((1u << L) - 1u) << (j * L));
        }
        const float *a = packed + (size_t)f0 * R, *b = bias ? bias + f0 : NULL;
        if (f0 == 0) {
            micro_kernel_packing_split(a, images, g, plans, panel, rows, P, &split, b, relu, gate);
        } else {
            micro_kernel_split(a, panel, R, rows, P, &split, b, relu, gate);
        }
    }
}

// cnn_conv_forward_images with an optional gate (see `gated`): 0, or the byte distance from out to
// a tensor of out's layout whose values must be > 0 for a lane to keep its value.
static void conv_forward_images(const float *images, int count, const cnn_conv_geometry *g, const float *packed, int F,
                                const float *bias, int relu, intptr_t gate, float *out, float *panel) {
    const int P = g->output_height * g->output_width, k = tail_group_size(g);
    const size_t in_stride = (size_t)g->channels * g->height * g->width, out_stride = (size_t)F * P;
    int n = 0;
    if (k > 1) {
        for (; n + k <= count; n += k) {
            for (int j = 0; j < k; j++) {
                conv_forward_avx512(images + (n + j) * in_stride, g, packed, 0, F, bias, relu, gate,
                                    out + (n + j) * out_stride, panel, P - P % TILE,
                                    n + j + 1 < count ? images + (n + j + 1) * in_stride : NULL,
                                    gate && n + j + 1 < count ? GATE(out + (n + j + 1) * out_stride) : NULL);
            }
            conv_tail_group_avx512(images + n * in_stride, k, g, packed, F, bias, relu, gate, out + n * out_stride,
                                   panel);
        }
    }
    for (; n < count; n++) {
        conv_forward_avx512(images + n * in_stride, g, packed, 0, F, bias, relu, gate, out + n * out_stride, panel, P,
                            n + 1 < count ? images + (n + 1) * in_stride : NULL,
                            gate && n + 1 < count ? GATE(out + (n + 1) * out_stride) : NULL);
    }
}

void cnn_conv_forward_images(const float *images, int count, const cnn_conv_geometry *g, const float *packed, int F,
                             const float *bias, int relu, float *out, float *panel) {
    conv_forward_images(images, count, g, packed, F, bias, relu, 0, out, panel);
}

void cnn_conv_forward_images_gated(const float *images, int count, const cnn_conv_geometry *g, const float *packed,
                                   int F, const float *gate, float *out, float *panel) {
    conv_forward_images(images, count, g, packed, F, NULL, 0, (intptr_t)((uintptr_t)gate - (uintptr_t)out), out, panel);
}

// ∂Y (F, P) → ∂Yᵀ (P, F), so that a position's F gradients are one or more vectors, in 16×16
// blocks transposed in registers (version 2; version 1 gathered 16 channels per position, and took
// about 11% of the weight gradient's time, 32→32 at 28×28, one thread).
AVX512 static void transpose_gradient(const float *dy, int F, int P, float *dyT) {
    for (int f0 = 0; f0 < F; f0 += 16) {
        const int channels = F - f0 < 16 ? F - f0 : 16;
        const __mmask16 lanes = (__mmask16)((1u << channels) - 1u);
        for (int p0 = 0; p0 < P; p0 += 16) {
            const int positions = P - p0 < 16 ? P - p0 : 16;
            const __mmask16 loaded = (__mmask16)((1u << positions) - 1u);
            __m512 r[16], t[16];
            for (int i = 0; i < 16; i++) {
                r[i] = i < channels ? _mm512_maskz_loadu_ps(loaded, dy + (size_t)(f0 + i) * P + p0) : _mm512_setzero_ps();
            }
            // Within each 128-bit lane: pairs, then quads of rows (t[4q + j] holds columns j, j+4, j+8, j+12 of rows 4q…4q+3).
            for (int i = 0; i < 16; i += 2) {
                t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
                t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
            }
            for (int q = 0; q < 4; q++) {
                const __m512 a = t[4 * q], b = t[4 * q + 1], c = t[4 * q + 2], d = t[4 * q + 3];
                r[4 * q] = _mm512_shuffle_ps(a, c, 0x44);
                r[4 * q + 1] = _mm512_shuffle_ps(a, c, 0xEE);
                r[4 * q + 2] = _mm512_shuffle_ps(b, d, 0x44);
                r[4 * q + 3] = _mm512_shuffle_ps(b, d, 0xEE);
            }
            // Across 128-bit lanes: column j's four quads into one vector.
            for (int j = 0; j < 4; j++) {
                t[j] = _mm512_shuffle_f32x4(r[j], r[4 + j], 0x88);       // columns j, j+8 of rows 0…7
                t[4 + j] = _mm512_shuffle_f32x4(r[j], r[4 + j], 0xDD);   // columns j+4, j+12 of rows 0…7
                t[8 + j] = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0x88);
                t[12 + j] = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0xDD);
            }
            for (int j = 0; j < 4; j++) {
                r[j] = _mm512_shuffle_f32x4(t[j], t[8 + j], 0x88);           // column j
                r[8 + j] = _mm512_shuffle_f32x4(t[j], t[8 + j], 0xDD);       // column j + 8
                r[4 + j] = _mm512_shuffle_f32x4(t[4 + j], t[12 + j], 0x88);  // column j + 4
                r[12 + j] = _mm512_shuffle_f32x4(t[4 + j], t[12 + j], 0xDD); // column j + 12
            }
            for (int j = 0; j < positions; j++) _mm512_mask_storeu_ps(dyT + (size_t)(p0 + j) * F + f0, lanes, r[j]);
        }
    }
}

// accT rows k0…k0+rows (row stride F), lanes of an f-block by masks, += Σ over every output
// position (oy, ox) of padded[offset_i + oy·PW + ox] · dyT[p][f-block]: the broadcast operand is
// read straight from a zero-padded copy of the image (row i of the column matrix is the padded
// plane shifted by offset_i), so there is no panel to pack and the reduction runs over the whole
// image in one call.
AVX512 static void weight_kernel(const float *padded, const int offset[MR], int OH, int OW, int PW, const float *dyT,
                                 int F, int rows, float *accT, __mmask16 m0, __mmask16 m1) {
    const int vectors = 2;  // for MICRO_ROW: both f-vectors (m1 masks the lanes past F)
    MICRO_ACCUMULATORS;
    const float *r0 = padded + offset[0], *r1 = padded + offset[1], *r2 = padded + offset[2], *r3 = padded + offset[3];
    const float *r4 = padded + offset[4], *r5 = padded + offset[5], *r6 = padded + offset[6], *r7 = padded + offset[7];
    const float *dy = dyT;
    for (int oy = 0; oy < OH; oy++) {
        const int base = oy * PW;
        for (int ox = 0; ox < OW; ox++, dy += F) {
            const __m512 b0 = _mm512_maskz_loadu_ps(m0, dy), b1 = _mm512_maskz_loadu_ps(m1, dy + 16);
            const int q = base + ox;
#define PADDED_ROW(i) r##i[q]
            MICRO_ROWS(PADDED_ROW, b0, b1);
#undef PADDED_ROW
        }
    }
    MICRO_TILE(acc);
    for (int i = 0; i < rows; i++) {
        float *row = accT + (size_t)i * F;
        _mm512_mask_storeu_ps(row, m0, _mm512_add_ps(_mm512_maskz_loadu_ps(m0, row), acc[i][0]));
        _mm512_mask_storeu_ps(row + 16, m1, _mm512_add_ps(_mm512_maskz_loadu_ps(m1, row + 16), acc[i][1]));
    }
}

// Lanes l of the 16 starting at padded column `column` that hold image values (pad ≤ column + l <
// W + pad): the others are the padding's zeros.
static inline __mmask16 image_lanes(int column, int pad, int W) {
    int lo = pad - column, hi = W + pad - column;
    lo = lo < 0 ? 0 : lo > 16 ? 16 : lo;
    hi = hi < 0 ? 0 : hi > 16 ? 16 : hi;
    return (__mmask16)(((1u << hi) - 1u) & ~((1u << lo) - 1u));
}

// The zero-padded copy of channels [c_begin, c_end) of the image, (C, H + 2·pad, W + 2·pad), each
// padded row written once in 16-lane chunks: a masked load of the image row shifted by the padding
// (lanes in the padding read nothing and are zero), then a store. Version 12; version 4's memset
// of the whole copy then a memcpy per image row wrote the rows twice and paid a call per row.
AVX512 static void padded_copy(const float *image, const cnn_conv_geometry *g, int c_begin, int c_end, float *padded) {
    const int H = g->height, W = g->width, pad = g->padding, PH = H + 2 * pad, PW = W + 2 * pad;
    const int chunks = (PW + 15) / 16;
    __mmask16 stored[chunks], read[chunks];  // per 16-column chunk of a padded row: lanes written, read
    for (int j = 0; j < chunks; j++) {
        stored[j] = j + 1 < chunks ? (__mmask16)0xFFFF : (__mmask16)((1u << (PW - 16 * j)) - 1u);
        read[j] = image_lanes(16 * j, pad, W) & stored[j];
    }
    for (int c = c_begin; c < c_end; c++) {
        float *out = padded + (size_t)(c - c_begin) * PH * PW;
        const float *plane = image + (size_t)c * H * W;
        for (int y = 0; y < PH; y++, out += PW) {
            const int iy = y - pad, inside = iy >= 0 && iy < H;
            // The row's address shifted left by the padding (an address only: just its lanes inside
            // the image row are read).
            const uintptr_t row = (uintptr_t)(plane + (inside ? (size_t)iy * W : 0)) - (uintptr_t)pad * sizeof(float);
            for (int j = 0; j < chunks; j++) {
                const float *source = (const float *)(row + (uintptr_t)j * 16 * sizeof(float));
                const __m512 v = _mm512_maskz_loadu_ps(inside ? read[j] : 0, source);
                _mm512_mask_storeu_ps(out + 16 * j, stored[j], v);
            }
        }
    }
}

// ∂W's products: accT rows of input channels [c_begin, c_end) (their C·T rows, row stride F) +=
// the padded image's column rows × ∂Yᵀ, 8 rows at a time, while the next image's input and
// gradient are prefetched into L2 a slice per block of rows (their copy and transpose then wait on
// L2 instead of L3; version 8: 14×14 ∂W 92–95 → 97–99 GFLOP/s, 28×28 90–94 → 94–97, one thread,
// batch 64, same run). `padded` and `dyT` as `padded_copy` and `transpose_gradient` make them.
AVX512 static void weight_products(const cnn_conv_geometry *g, int F, int c_begin, int c_end, const float *padded,
                                   const float *dyT, float *accT, const float *next_image, const float *next_dy) {
    const int OH = g->output_height, OW = g->output_width, H = g->height, W = g->width, pad = g->padding;
    const int KW = g->kernel_width, T = g->kernel_height * KW;
    const int PH = H + 2 * pad, PW = W + 2 * pad, C = c_end - c_begin, R = C * T;
    accT += (size_t)c_begin * T * F;
    const size_t x_bytes = next_image ? (size_t)C * H * W * sizeof(float) : 0;
    const size_t dy_bytes = next_dy ? (size_t)F * OH * OW * sizeof(float) : 0;
    const int blocks = (R + MR - 1) / MR;
    const size_t x_slice = slice_bytes(x_bytes, blocks), dy_slice = slice_bytes(dy_bytes, blocks);
    for (int k0 = 0; k0 < R; k0 += MR) {
        prefetch_slice(next_image, x_bytes, x_slice, (size_t)(k0 / MR));
        prefetch_slice(next_dy, dy_bytes, dy_slice, (size_t)(k0 / MR));
        const int rows = R - k0 < MR ? R - k0 : MR;
        int offset[MR];
        for (int i = 0; i < MR; i++) {  // rows past R repeat row k0 (their sums are not stored)
            const int k = k0 + (i < rows ? i : 0), c = k / T, t = k % T;
            offset[i] = (c * PH + t / KW) * PW + t % KW;
        }
        for (int f0 = 0; f0 < F; f0 += 32) {
            const int left = F - f0;
            const __mmask16 m0 = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1u);
            const __mmask16 m1 = left >= 32 ? (__mmask16)0xFFFF : left <= 16 ? (__mmask16)0 : (__mmask16)((1u << (left - 16)) - 1u);
            weight_kernel(padded, offset, OH, OW, PW, dyT + f0, F, rows, accT + (size_t)k0 * F + f0, m0, m1);
        }
    }
}

// The weight gradient's rows of input channels [c_begin, c_end) (all of ∂Y's channels): the padded
// copy and ∂Yᵀ, then the products (scripts/bench/conv_kernels_harness.c times the three apart).
AVX512 static void conv_weight_gradient_avx512(const float *image, const cnn_conv_geometry *g, const float *dy, int F,
                                               int c_begin, int c_end, float *dyT, float *padded, float *accT,
                                               const float *next_image, const float *next_dy) {
    padded_copy(image, g, c_begin, c_end, padded);
    transpose_gradient(dy, F, g->output_height * g->output_width, dyT);
    weight_products(g, F, c_begin, c_end, padded, dyT, accT, next_image, next_dy);
}

void cnn_conv_weight_gradient(const float *image, const cnn_conv_geometry *g, const float *dy, int F,
                              float *dyT, float *scratch, float *accT, const float *next_image, const float *next_dy) {
    conv_weight_gradient_avx512(image, g, dy, F, 0, g->channels, dyT, scratch, accT, next_image, next_dy);
}

void cnn_conv_weight_gradient_channels(const float *image, const cnn_conv_geometry *g, const float *dy, int F,
                                       int c_begin, int c_end, float *dyT, float *scratch, float *accT) {
    conv_weight_gradient_avx512(image, g, dy, F, c_begin, c_end, dyT, scratch, accT, NULL, NULL);
}

#else

void cnn_conv_weight_gradient(const float *image, const cnn_conv_geometry *g, const float *dy, int F,
                              float *dyT, float *panel, float *accT, const float *next_image, const float *next_dy) {
    (void)image; (void)g; (void)dy; (void)F; (void)dyT; (void)panel; (void)accT; (void)next_image; (void)next_dy;
    abort();
}

void cnn_conv_forward(const float *image, const cnn_conv_geometry *g, const float *packed, int F,
                      const float *bias, int relu, float *out, float *panel) {
    (void)image; (void)g; (void)packed; (void)F; (void)bias; (void)relu; (void)out; (void)panel;
    abort();  // cnn_kernels_available() is 0 here: callers never get this far
}

int cnn_conv_tail_group(const cnn_conv_geometry *g) {
    (void)g;
    return 1;
}

void cnn_conv_forward_images(const float *images, int count, const cnn_conv_geometry *g, const float *packed, int F,
                             const float *bias, int relu, float *out, float *panel) {
    (void)images; (void)count; (void)g; (void)packed; (void)F; (void)bias; (void)relu; (void)out; (void)panel;
    abort();
}

void cnn_conv_forward_images_gated(const float *images, int count, const cnn_conv_geometry *g, const float *packed,
                                   int F, const float *gate, float *out, float *panel) {
    (void)images; (void)count; (void)g; (void)packed; (void)F; (void)gate; (void)out; (void)panel;
    abort();
}

void cnn_conv_forward_outputs(const float *image, const cnn_conv_geometry *g, const float *packed, int f_begin,
                              int f_end, const float *bias, int relu, float *out, float *panel) {
    (void)image; (void)g; (void)packed; (void)f_begin; (void)f_end; (void)bias; (void)relu; (void)out; (void)panel;
    abort();
}

void cnn_conv_weight_gradient_channels(const float *image, const cnn_conv_geometry *g, const float *dy, int F,
                                       int c_begin, int c_end, float *dyT, float *panel, float *accT) {
    (void)image; (void)g; (void)dy; (void)F; (void)c_begin; (void)c_end; (void)dyT; (void)panel; (void)accT;
    abort();
}

#endif
