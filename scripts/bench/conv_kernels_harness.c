// One thread's GFLOP/s of the engine's convolution kernels, per product: forward, weight gradient
// (∂W) and input gradient (∂x, the convolution of ∂Y with the flipped, transposed weights), on
// smallcnn's three 3×3 convolutions; and ∂x gated by the conv's input (a ReLU's backward on the
// store, as the no-norm network runs it). CPU time of this process, best of the repetitions. Then
// ∂W's parts in ms: all of it, its products alone, the padded copies alone, ∂Y's transpositions.
// Built and run by scripts/bench/conv_kernels.sh; includes the kernels' source so it measures
// exactly what the engine runs.
#include "conv_kernels.c"

#include <stdio.h>
#include <time.h>

static double cpu_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static float *filled(size_t n) {
    float *p = aligned_alloc(64, ((n * sizeof(float) + 63) / 64) * 64);
    for (size_t i = 0; i < n; i++) p[i] = (float)((i * 7919) % 1000) / 1000.0f - 0.5f;
    return p;
}

static void measure(int C, int F, int H, int batch, int repetitions) {
    const cnn_conv_geometry g = {C, H, H, 3, 3, 1, H, H};        // C→F, 3×3, padding 1
    const cnn_conv_geometry gt = {F, H, H, 3, 3, 1, H, H};       // ∂x: F→C
    const int R = C * 9, RT = F * 9, P = H * H;
    float *x = filled((size_t)batch * C * P), *w = filled((size_t)F * R), *dy = filled((size_t)batch * F * P);
    float *y = filled((size_t)batch * F * P), *dx = filled((size_t)batch * C * P);
    float *packed = filled(cnn_conv_packed_weights_count(F, R)), *packedT = filled(cnn_conv_packed_weights_count(C, RT));
    cnn_conv_pack_weights_by_tap(w, F, C, 9, packed);
    cnn_conv_pack_weights_transposed(w, F, C, 3, 3, packedT);
    // One scratch for the panel (forward, ∂x) and ∂W's zero-padded image, as the engine sizes each.
    const size_t panel_count = cnn_conv_panel_count(R > RT ? R : RT), padded_count = cnn_conv_weight_scratch_count(&g);
    float *panel = filled(panel_count > padded_count ? panel_count : padded_count);
    float *dyT = filled((size_t)P * F), *accT = filled((size_t)R * F);
    double best[4] = {1e30, 1e30, 1e30, 1e30};
    for (int r = 0; r < repetitions; r++) {
        double t = cpu_seconds();
        cnn_conv_forward_images(x, batch, &g, packed, F, NULL, 0, y, panel);  // as the engine calls it
        if ((t = cpu_seconds() - t) < best[0]) best[0] = t;
        t = cpu_seconds();
        for (int n = 0; n < batch; n++) {
            const int more = n + 1 < batch;  // the next image's input and gradient, prefetched as the engine does
            cnn_conv_weight_gradient(x + (size_t)n * C * P, &g, dy + (size_t)n * F * P, F, dyT, panel, accT,
                                     more ? x + (size_t)(n + 1) * C * P : NULL, more ? dy + (size_t)(n + 1) * F * P : NULL);
        }
        if ((t = cpu_seconds() - t) < best[1]) best[1] = t;
        t = cpu_seconds();
        cnn_conv_forward_images(dy, batch, &gt, packedT, C, NULL, 0, dx, panel);
        if ((t = cpu_seconds() - t) < best[2]) best[2] = t;
        t = cpu_seconds();
        cnn_conv_forward_images_gated(dy, batch, &gt, packedT, C, x, dx, panel);
        if ((t = cpu_seconds() - t) < best[3]) best[3] = t;
    }
    const double flops = 2.0 * F * R * P * batch * 1e-9;
    printf("| %d→%d, %d×%d | %.1f | %.1f | %.1f | %.1f |\n", C, F, H, H, flops / best[0], flops / best[1], flops / best[2],
           flops / best[3]);
}

// ∂W's parts, ms for the batch (best of the repetitions): the whole weight gradient, its products
// alone (on one image's padded copy and ∂Yᵀ, made beforehand) with the engine's prefetch of the
// next image and without it, the zero-padded copies alone and the ∂Y transpositions alone.
static void measure_weight_parts(int C, int F, int H, int batch, int repetitions) {
    const cnn_conv_geometry g = {C, H, H, 3, 3, 1, H, H};
    const int R = C * 9, P = H * H;
    float *x = filled((size_t)batch * C * P), *dy = filled((size_t)batch * F * P);
    float *padded = filled(cnn_conv_weight_scratch_count(&g)), *dyT = filled((size_t)P * F);
    float *accT = filled((size_t)R * F);
    double best[5] = {1e30, 1e30, 1e30, 1e30, 1e30};
    for (int r = 0; r < repetitions; r++) {
        double t = cpu_seconds();
        for (int n = 0; n < batch; n++) {
            const int more = n + 1 < batch;
            cnn_conv_weight_gradient(x + (size_t)n * C * P, &g, dy + (size_t)n * F * P, F, dyT, padded, accT,
                                     more ? x + (size_t)(n + 1) * C * P : NULL, more ? dy + (size_t)(n + 1) * F * P : NULL);
        }
        if ((t = cpu_seconds() - t) < best[0]) best[0] = t;
        t = cpu_seconds();
        for (int n = 0; n < batch; n++) {
            const int more = n + 1 < batch;
            weight_products(&g, F, 0, C, padded, dyT, accT, more ? x + (size_t)(n + 1) * C * P : NULL,
                            more ? dy + (size_t)(n + 1) * F * P : NULL);
        }
        if ((t = cpu_seconds() - t) < best[1]) best[1] = t;
        t = cpu_seconds();
        for (int n = 0; n < batch; n++) padded_copy(x + (size_t)n * C * P, &g, 0, C, padded);
        if ((t = cpu_seconds() - t) < best[2]) best[2] = t;
        t = cpu_seconds();
        for (int n = 0; n < batch; n++) transpose_gradient(dy + (size_t)n * F * P, F, P, dyT);
        if ((t = cpu_seconds() - t) < best[3]) best[3] = t;
        t = cpu_seconds();
        for (int n = 0; n < batch; n++) weight_products(&g, F, 0, C, padded, dyT, accT, NULL, NULL);
        if ((t = cpu_seconds() - t) < best[4]) best[4] = t;
    }
    const double flops = 2.0 * F * R * P * batch * 1e-9;
    printf("| %d→%d, %d×%d | %.2f | %.2f (%.1f GFLOP/s) | %.2f (%.1f) | %.2f | %.2f |\n", C, F, H, H, best[0] * 1e3,
           best[1] * 1e3, flops / best[1], best[4] * 1e3, flops / best[4], best[2] * 1e3, best[3] * 1e3);
}

int main(int argc, char **argv) {
    const int batch = argc > 1 ? atoi(argv[1]) : 16, repetitions = argc > 2 ? atoi(argv[2]) : 6;
    if (!cnn_kernels_available()) {
        fprintf(stderr, "conv_kernels: this CPU (or CNNTRAIN_KERNELS=reference) has no AVX-512F: the engine uses OpenBLAS here\n");
        return 1;
    }
    printf("one thread, batch %d, best of %d, GFLOP/s (CPU time)\n\n", batch, repetitions);
    printf("| conv 3×3 p1 | forward | ∂W | ∂x | ∂x gated |\n| --- | ---: | ---: | ---: | ---: |\n");
    measure(32, 32, 28, batch, repetitions);
    measure(32, 64, 14, batch, repetitions);
    measure(64, 64, 14, batch, repetitions);
    printf("\n∂W's parts, ms for the batch (CPU time, best of %d): all of it; its products alone (the padded image and ∂Yᵀ "
           "already made, as in L2 during a step), with the next image's prefetch and without; the padded copies alone; "
           "the ∂Y transpositions alone\n\n",
           repetitions);
    printf("| conv 3×3 p1 | ∂W | products | no prefetch | padded copy | ∂Yᵀ |\n"
           "| --- | ---: | ---: | ---: | ---: | ---: |\n");
    measure_weight_parts(32, 32, 28, batch, repetitions);
    measure_weight_parts(32, 64, 14, batch, repetitions);
    measure_weight_parts(64, 64, 14, batch, repetitions);
    return 0;
}
