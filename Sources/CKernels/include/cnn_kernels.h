#ifndef CNN_KERNELS_H
#define CNN_KERNELS_H

#include <stddef.h>

/// Convolution kernels of our own, for stride-1 convolutions on CPUs with AVX-512F.
///
/// A convolution stays im2col + GEMM, but the im2col is done inside the GEMM's packing: for each
/// tile of 32 output positions the kernel packs the tile's column panel (R rows × 32, R = C·KH·KW)
/// straight from the image with masked shifted loads (L1/L2-resident, never a full column matrix),
/// then runs an 8×32 AVX-512 micro-kernel over the packed weights (8 output channels × 32 positions
/// per call, K = R). Output rows are stored straight into the NCHW output.
///
/// Legend: C = input channels, H, W = input size, F = output channels, KH, KW = kernel size,
/// OH, OW = output size, P = OH·OW, R = C·KH·KW.
///
/// Built for AVX-512F with function target attributes; callers must check
/// `cnn_kernels_available()` first (the file is compiled for baseline x86-64 otherwise, so merely
/// loading it never needs AVX-512).

typedef struct {
    int channels, height, width;        // C, H, W of the input
    int kernel_height, kernel_width;    // KH, KW
    int padding;                        // the same on all sides; stride is 1
    int output_height, output_width;    // OH = H + 2·padding − KH + 1, OW likewise
} cnn_conv_geometry;

/// 1 when the CPU and OS support AVX-512F (XCR0 saves ZMM state), so the kernels below may run.
/// CNNTRAIN_KERNELS=reference in the environment forces 0 (the OpenBLAS path), for A/B runs.
int cnn_kernels_available(void);

/// Whether the kernels handle this geometry (stride 1, kernel at most 11×11, output ≥ 1×1, R ≥ 32).
int cnn_conv_supported(const cnn_conv_geometry *g);

/// Floats needed for packed weights of F output channels and R = C·KH·KW inputs: ⌈F/8⌉·8·R.
size_t cnn_conv_packed_weights_count(int F, int R);
/// Floats of one thread's column panel: R·32.
size_t cnn_conv_panel_count(int R);
/// Floats of one thread's weight-gradient scratch: the zero-padded image, C·(H + 2p)·(W + 2p).
size_t cnn_conv_weight_scratch_count(const cnn_conv_geometry *g);

/// Packs weights (F, R) row-major into ⌈F/8⌉ blocks of (R, 8) (missing rows zero), rows in the
/// weights' order k = c·T + t: for the short-reduction kernels (conv_small_kernels.c).
void cnn_conv_pack_weights(const float *weights, int F, int R, float *packed);

/// Packs weights (F, C·T) (T = KH·KW taps) into ⌈F/8⌉ blocks of (R, 8) whose rows run tap by tap,
/// k = t·C + c: the order of the panels of cnn_conv_forward and its variants.
void cnn_conv_pack_weights_by_tap(const float *weights, int F, int C, int T, float *packed);

/// Packs the weights of the input gradient as a convolution: the stride-1 transposed convolution
/// is the convolution of ∂Y (F, OH, OW) with padding KH−1−padding and the flipped, transposed
/// kernel W'[c][f][ky][kx] = W[f][c][KH−1−ky][KW−1−kx], a (C, F·KH·KW) matrix, packed as
/// cnn_conv_pack_weights_by_tap packs (rows tap by tap: k = t·F + f).
void cnn_conv_pack_weights_transposed(const float *weights, int F, int C, int KH, int KW, float *packed);

/// out (F, OH, OW) = packed (F, R) × columns(image) (R, P) [+ bias (F)], for one image (C, H, W),
/// clamped at 0 when `relu` is non-zero (a fused ReLU, applied as the tile is stored). `packed`
/// as from cnn_conv_pack_weights_by_tap (or cnn_conv_pack_weights_transposed for ∂x).
/// `bias` may be NULL. `panel` is scratch of `cnn_conv_panel_count(R)` floats.
void cnn_conv_forward(const float *image, const cnn_conv_geometry *g, const float *packed, int F,
                      const float *bias, int relu, float *out, float *panel);

/// cnn_conv_forward for `count` images stored one after the other (C·H·W floats apart; outputs
/// F·P floats apart), bit for bit as `count` calls: when an image ends in a short last tile
/// (P mod 32 ≤ 8), the tails of cnn_conv_tail_group(g) consecutive images share one vector.
void cnn_conv_forward_images(const float *images, int count, const cnn_conv_geometry *g, const float *packed, int F,
                             const float *bias, int relu, float *out, float *panel);

/// cnn_conv_forward_images without bias or ReLU, each output value kept only where `gate` (a tensor
/// of the output's layout, count·F·P floats) is > 0 and 0 elsewhere: the input gradient of a
/// convolution whose input was a ReLU's output, with that ReLU's backward applied as it is stored.
void cnn_conv_forward_images_gated(const float *images, int count, const cnn_conv_geometry *g, const float *packed,
                                   int F, const float *gate, float *out, float *panel);

/// How many consecutive images cnn_conv_forward_images computes together (1: no tail sharing).
int cnn_conv_tail_group(const cnn_conv_geometry *g);

/// cnn_conv_forward for output channels [f_begin, f_end) only (f_begin a multiple of 8), into the
/// same full output: for splitting one image over threads when the batch is smaller than the
/// thread count. Each range packs its own panel.
void cnn_conv_forward_outputs(const float *image, const cnn_conv_geometry *g, const float *packed, int f_begin,
                              int f_end, const float *bias, int relu, float *out, float *panel);

/// accT (R, F) += columns(image) (R, P) × ∂Yᵀ (P, F): the weight gradient, transposed, of one image.
/// No column panel: the micro-kernel reads each column-matrix row straight from a zero-padded copy
/// of the image. `dy` is ∂Y (F, OH, OW); `dyT` is scratch of P·F floats; `scratch` of
/// `cnn_conv_weight_scratch_count(g)` floats. The caller adds accT's transpose into ∂W (F, R).
/// `next_image` (C, H, W) and `next_dy` (F, OH, OW), when not NULL, are the next call's: they are
/// prefetched into L2 while this one runs.
void cnn_conv_weight_gradient(const float *image, const cnn_conv_geometry *g, const float *dy, int F,
                              float *dyT, float *scratch, float *accT, const float *next_image, const float *next_dy);

/// cnn_conv_weight_gradient for the rows of input channels [c_begin, c_end) only (rows
/// c_begin·KH·KW … c_end·KH·KW − 1 of the full accT): for splitting one image over threads.
void cnn_conv_weight_gradient_channels(const float *image, const cnn_conv_geometry *g, const float *dy, int F,
                                       int c_begin, int c_end, float *dyT, float *scratch, float *accT);

/// Kernels for a short reduction, R = C·KH·KW < 32 (conv_small_kernels.c), stride 1.
/// Whether they handle this geometry (1 ≤ R ≤ 31, output ≥ 1×1).
int cnn_conv_small_supported(const cnn_conv_geometry *g);

/// out (count, F, OH, OW) channels [f_begin, f_end) = packed (F, R) × columns(image) [+ bias]
/// (clamped at 0 when `relu`), for `count` images (C, H, W) stored one after the other. `packed`
/// as from cnn_conv_pack_weights; f_begin a multiple of 8. `scratch` holds
/// cnn_conv_small_forward_scratch_count(g) floats (the vectors' gather plans).
void cnn_conv_small_forward(const float *images, int count, const cnn_conv_geometry *g, const float *packed, int F,
                            int f_begin, int f_end, const float *bias, int relu, float *out, float *scratch);

/// Floats of one thread's scratch for cnn_conv_small_forward.
size_t cnn_conv_small_forward_scratch_count(const cnn_conv_geometry *g);

#endif
