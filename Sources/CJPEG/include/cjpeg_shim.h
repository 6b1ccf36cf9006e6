// libjpeg(-turbo) through a C shim: libjpeg's error_exit must not return, so ours longjmps back to
// the setjmp in the shim function that is running; no error unwinds through Swift frames.
#ifndef CNN_CJPEG_SHIM_H
#define CNN_CJPEG_SHIM_H
#include <stddef.h>
#include <stdint.h>

/// Result codes (the same values as the PNG shim's).
enum {
    CNN_JPEG_OK = 0,
    CNN_JPEG_CORRUPT = 1,
    CNN_JPEG_TRUNCATED = 2,
    CNN_JPEG_TOO_LARGE = 3,
    CNN_JPEG_UNSUPPORTED = 4,
    CNN_JPEG_NO_MEMORY = 5,
};

/// A decoded image: height·width·channels bytes, HWC, malloc'd (free with `cnn_jpeg_free`).
/// `source_width`/`source_height` are the size stored in the file (before DCT scaling).
typedef struct {
    int width, height, channels;
    int source_width, source_height;
    int was_cmyk;
    unsigned char *pixels;
    char message[200];
    /// libjpeg's warnings during a successful decode ("Corrupt JPEG data: …": damaged entropy-coded
    /// data that libjpeg fills in rather than fails on) and the first one's text.
    int warning_count;
    char warning[200];
} cnn_jpeg_image;

/// Decodes a JPEG held in memory (baseline or progressive; gray → 1 channel, YCbCr/RGB → 3).
/// CMYK and YCCK files are converted to RGB without a colour profile: R = C·K/255 for Adobe
/// (inverted) files, R = (255−C)(255−K)/255 otherwise; `was_cmyk` is set.
/// When `target_width` and `target_height` are positive, the DCT scales the image down by
/// 1/2, 1/4 or 1/8 — the smallest scale whose output is still at least the target in both
/// sides. A file whose claimed width·height is over `max_pixels` is refused before any pixel
/// memory is allocated. A file that ends early is an error (libjpeg would pad it with gray).
/// Other corrupt data decodes with `warning_count` > 0: the caller decides what to do.
int cnn_jpeg_decode(const unsigned char *data, size_t size, int64_t max_pixels, int target_width,
                    int target_height, cnn_jpeg_image *out);

/// Encodes 8-bit gray (1 channel) or RGB (3) interleaved pixels as a baseline JPEG with 4:2:0
/// chroma subsampling (RGB) at `quality` 1–100. `*jpeg` is malloc'd (free with `cnn_jpeg_free`).
int cnn_jpeg_encode(const unsigned char *pixels, int width, int height, int channels, int quality, int progressive,
                    unsigned char **jpeg, size_t *jpeg_size, char *message, size_t message_size);

void cnn_jpeg_free(void *pointer);

#endif
