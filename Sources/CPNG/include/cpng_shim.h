// libpng through a C shim: libpng reports errors by longjmp, so every setjmp lives here and no
// error ever unwinds through Swift frames. Decodes from memory, normalised to 8 bits per sample.
#ifndef CNN_CPNG_SHIM_H
#define CNN_CPNG_SHIM_H
#include <stddef.h>
#include <stdint.h>

/// Result codes shared by the PNG and JPEG shims.
enum {
    CNN_IMAGE_OK = 0,
    CNN_IMAGE_CORRUPT = 1,      ///< not a valid image of this format (message says why)
    CNN_IMAGE_TRUNCATED = 2,    ///< the data ends before the image does
    CNN_IMAGE_TOO_LARGE = 3,    ///< width × height over the caller's cap (checked before allocating)
    CNN_IMAGE_UNSUPPORTED = 4,  ///< a valid file of a variant this decoder refuses
    CNN_IMAGE_NO_MEMORY = 5,
};

/// A decoded image: `pixels` is height·width·channels bytes, row-major, interleaved (HWC),
/// allocated with malloc (free with `cnn_png_free`). On failure `pixels` is NULL and `message`
/// holds libpng's (or the shim's) message.
typedef struct {
    int width, height, channels;
    unsigned char *pixels;
    char message[200];
} cnn_png_image;

/// Decodes a PNG held in memory: 16-bit samples are scaled to 8 bits (png_set_scale_16),
/// palettes expand to RGB, gray below 8 bits expands to 8, tRNS becomes an alpha channel and
/// interlaced (Adam7) images are de-interlaced. `channels` is 1 (gray), 2 (gray+alpha),
/// 3 (RGB) or 4 (RGBA). Refuses, before allocating the pixels, an image whose claimed
/// width·height is over `max_pixels`.
int cnn_png_decode(const unsigned char *data, size_t size, int64_t max_pixels, cnn_png_image *out);

/// Encodes 8-bit gray (1), gray+alpha (2), RGB (3) or RGBA (4) interleaved pixels as a PNG.
/// On success `*png` (malloc'd; free with `cnn_png_free`) holds `*png_size` bytes.
int cnn_png_encode(const unsigned char *pixels, int width, int height, int channels, int compression_level,
                   unsigned char **png, size_t *png_size, char *message, size_t message_size);

void cnn_png_free(void *pointer);

#endif
