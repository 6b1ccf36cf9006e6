import CKernels

/// The engine's AVX-512 kernels for 2×2 stride-2 max pooling (C target `CKernels`,
/// `Sources/CKernels/include/cnn_maxpool.h`): the same bits as MaxPool2D's Swift loops, which run
/// where `ConvKernels.isAvailable` is false (no AVX-512F, or `CNNTRAIN_KERNELS=reference`).
public enum PoolKernels {
    /// y, index (planes, H/2, W/2) = each 2×2 window's maximum of x (planes, H, W) and its position
    /// within its plane (PyTorch's rule: a later value wins only when larger or NaN).
    public static func maxPool2x2Forward(
        _ x: UnsafePointer<Float>, planes: Int, height H: Int, width W: Int,
        output y: UnsafeMutablePointer<Float>, index: UnsafeMutablePointer<Int32>
    ) {
        cnn_maxpool2x2_forward(x, Int32(planes), Int32(H), Int32(W), y, index)
    }

    /// dx (planes, H, W) = 0 + dy at each window's maximum, 0 elsewhere; with `clamped` (the pooled
    /// output), only where it is > 0 (the backward of a ReLU in front of the pool).
    public static func maxPool2x2Backward(
        _ dy: UnsafePointer<Float>, clamped: UnsafePointer<Float>?, index: UnsafePointer<Int32>, planes: Int,
        height H: Int, width W: Int, inputGradient dx: UnsafeMutablePointer<Float>
    ) {
        cnn_maxpool2x2_backward(dy, clamped, index, Int32(planes), Int32(H), Int32(W), dx)
    }
}
