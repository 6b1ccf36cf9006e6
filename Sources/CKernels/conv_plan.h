// How the im2col inside our kernels' packing reads one 16-lane vector of output positions: shared
// by conv_kernels.c (R ≥ 32) and conv_small_kernels.c (R < 32). Not a public header.
#ifndef CNN_CONV_PLAN_H
#define CNN_CONV_PLAN_H

#include "cnn_kernels.h"

// One piece of one kernel tap of a vector: lanes `mask` of tap `tap` read plane[offset + lane]
// (offset may point before the plane; only masked-in lanes are read, the others are zero: padding
// or past P).
typedef struct {
    int offset;
    unsigned short mask;
    unsigned short tap;
} conv_piece;

// The pieces of the vector of output positions q0 … min(q0 + 16, P) − 1, appended at `pieces` run
// by run (a run: the lanes within one output row), tap by tap within a run; returns their count,
// at most 17·T (a vector spans at most 17 output-row runs).
static inline int conv_vector_pieces(const cnn_conv_geometry *g, int q0, int P, conv_piece *pieces) {
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

#endif
