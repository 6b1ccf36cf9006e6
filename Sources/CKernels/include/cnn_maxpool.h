#ifndef CNN_MAXPOOL_H
#define CNN_MAXPOOL_H

#include <stdint.h>

/// Max pooling over 2×2 windows with stride 2 and no padding (floor mode), the pool of smallcnn,
/// for CPUs with AVX-512F: callers check `cnn_kernels_available()` first (cnn_kernels.h).
///
/// Same results, bit for bit, as MaxPool2D's Swift loops (which run where AVX-512 is missing):
/// each window's maximum in row-major window order, a later value winning only when larger or NaN
/// (PyTorch's rule), and the index of the winner within its (H, W) plane.
///
/// Legend: H, W = input size, OH = H/2, OW = W/2 (rounded down).

/// For `planes` consecutive (H, W) planes of x: y (planes, OH, OW) = each window's maximum,
/// index (planes, OH, OW) = its position within the plane (y·W + x).
void cnn_maxpool2x2_forward(const float *x, int planes, int H, int W, float *y, int32_t *index);

/// The input gradient of `planes` consecutive planes: dx (planes, H, W) gets 0 + dy at each
/// window's maximum (so −0 becomes +0, as adding into a zeroed plane does) and 0 everywhere else,
/// the odd last row and column included. `clamped`, when not NULL, is the pooled output, and a
/// window's gradient is kept only where it is > 0 (the backward of a ReLU before the pool).
void cnn_maxpool2x2_backward(const float *dy, const float *clamped, const int32_t *index, int planes, int H, int W,
                             float *dx);

#endif
