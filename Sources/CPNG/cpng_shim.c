// libpng decode/encode from memory. Rules kept here: every setjmp is in this file; the error
// callback copies libpng's message and longjmps back to the setjmp of the call that is running
// (it never returns into libpng); every variable changed after setjmp and read after the longjmp
// is `volatile` or lives in the context struct.
#include "cpng_shim.h"
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const unsigned char *data;
    size_t size, offset;
    int truncated;         // the reader ran past the end of the data
    char message[200];
} read_context;

static void on_error(png_structp png, png_const_charp text) {
    read_context *context = (read_context *)png_get_error_ptr(png);
    if (context && context->message[0] == 0) snprintf(context->message, sizeof context->message, "%s", text);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp text) { (void)png; (void)text; }

static void read_from_memory(png_structp png, png_bytep destination, png_size_t length) {
    read_context *context = (read_context *)png_get_io_ptr(png);
    if (length > context->size - context->offset) {
        context->truncated = 1;
        png_error(png, "file ends early (truncated)");
    }
    memcpy(destination, context->data + context->offset, length);
    context->offset += length;
}

static int code_for_failure(const read_context *context) {
    return context->truncated ? CNN_IMAGE_TRUNCATED : CNN_IMAGE_CORRUPT;
}

static void set_message(cnn_png_image *out, const char *text) {
    snprintf(out->message, sizeof out->message, "%s", text);
}

// Header read and the 8-bit normalising transforms; called inside the caller's setjmp.
static void configure(png_structp png, png_infop info) {
    png_read_info(png, info);
    int bit_depth = png_get_bit_depth(png, info);
    int color_type = png_get_color_type(png, info);
    if (bit_depth == 16) png_set_scale_16(png);
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
}

static int start(const unsigned char *data, size_t size, read_context *context, cnn_png_image *out) {
    memset(out, 0, sizeof *out);
    memset(context, 0, sizeof *context);
    context->data = data;
    context->size = size;
    if (size == 0) { set_message(out, "empty file (0 bytes)"); return CNN_IMAGE_TRUNCATED; }
    if (size < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0) {
        set_message(out, "not a PNG file (bad signature)");
        return size < 8 ? CNN_IMAGE_TRUNCATED : CNN_IMAGE_CORRUPT;
    }
    return CNN_IMAGE_OK;
}

int cnn_png_decode(const unsigned char *data, size_t size, int64_t max_pixels, cnn_png_image *out) {
    read_context context;
    int code = start(data, size, &context, out);
    if (code != CNN_IMAGE_OK) return code;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &context, on_error, on_warning);
    if (!png) { set_message(out, "out of memory"); return CNN_IMAGE_NO_MEMORY; }
    png_infop info = png_create_info_struct(png);
    if (!info) { png_destroy_read_struct(&png, NULL, NULL); set_message(out, "out of memory"); return CNN_IMAGE_NO_MEMORY; }
    png_set_read_fn(png, &context, read_from_memory);
    // libpng's own limits: no side over 1,000,000 and ancillary chunks under 8 MB.
    png_set_user_limits(png, 1000000, 1000000);
    png_set_chunk_malloc_max(png, 8u << 20);

    unsigned char *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    volatile int result = CNN_IMAGE_OK;
    if (setjmp(png_jmpbuf(png))) {
        free(pixels);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        memset(out, 0, sizeof *out - sizeof out->message);
        if (result == CNN_IMAGE_OK) { set_message(out, context.message); return code_for_failure(&context); }
        return result;
    }
    configure(png, info);
    png_uint_32 width = png_get_image_width(png, info), height = png_get_image_height(png, info);
    int channels = png_get_channels(png, info);
    if ((int64_t)width * (int64_t)height > max_pixels) {
        snprintf(out->message, sizeof out->message, "image claims %u×%u = %lld pixels, over the limit of %lld",
                 (unsigned)width, (unsigned)height, (long long)width * height, (long long)max_pixels);
        result = CNN_IMAGE_TOO_LARGE;
        png_longjmp(png, 1);
    }
    size_t row_bytes = png_get_rowbytes(png, info);
    if (row_bytes != (size_t)width * channels) {
        set_message(out, "unexpected row size after 8-bit conversion");
        result = CNN_IMAGE_UNSUPPORTED;
        png_longjmp(png, 1);
    }
    pixels = (unsigned char *)malloc(row_bytes * height);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * height);
    if (!pixels || !rows) { set_message(out, "out of memory"); result = CNN_IMAGE_NO_MEMORY; png_longjmp(png, 1); }
    for (png_uint_32 y = 0; y < height; y++) rows[y] = pixels + (size_t)y * row_bytes;
    png_read_image(png, rows);
    // The end chunks are not read: an image whose pixels are complete decodes even without IEND.
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    out->width = (int)width;
    out->height = (int)height;
    out->channels = channels;
    out->pixels = pixels;
    return CNN_IMAGE_OK;
}

// MARK: - Encoding

typedef struct {
    unsigned char *data;
    size_t size, capacity;
    int failed;
    char message[200];
} write_context;

static void on_write_error(png_structp png, png_const_charp text) {
    write_context *context = (write_context *)png_get_error_ptr(png);
    if (context && context->message[0] == 0) snprintf(context->message, sizeof context->message, "%s", text);
    png_longjmp(png, 1);
}

static void write_to_memory(png_structp png, png_bytep source, png_size_t length) {
    write_context *context = (write_context *)png_get_io_ptr(png);
    if (context->size + length > context->capacity) {
        size_t capacity = context->capacity ? context->capacity : 1024;
        while (capacity < context->size + length) capacity *= 2;
        unsigned char *grown = (unsigned char *)realloc(context->data, capacity);
        if (!grown) png_error(png, "out of memory");
        context->data = grown;
        context->capacity = capacity;
    }
    memcpy(context->data + context->size, source, length);
    context->size += length;
}

static void flush_memory(png_structp png) { (void)png; }

int cnn_png_encode(const unsigned char *pixels, int width, int height, int channels, int compression_level,
                   unsigned char **png_out, size_t *png_size, char *message, size_t message_size) {
    static const int color_types[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                       PNG_COLOR_TYPE_RGB_ALPHA};
    *png_out = NULL;
    *png_size = 0;
    if (channels < 1 || channels > 4 || width < 1 || height < 1) {
        snprintf(message, message_size, "cannot encode %d×%d with %d channels", width, height, channels);
        return CNN_IMAGE_UNSUPPORTED;
    }
    write_context context;
    memset(&context, 0, sizeof context);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &context, on_write_error, on_warning);
    if (!png) { snprintf(message, message_size, "out of memory"); return CNN_IMAGE_NO_MEMORY; }
    png_infop info = png_create_info_struct(png);
    if (!info) { png_destroy_write_struct(&png, NULL); snprintf(message, message_size, "out of memory"); return CNN_IMAGE_NO_MEMORY; }
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        free(context.data);
        png_destroy_write_struct(&png, &info);
        snprintf(message, message_size, "%s", context.message);
        return CNN_IMAGE_CORRUPT;
    }
    png_set_write_fn(png, &context, write_to_memory, flush_memory);
    png_set_compression_level(png, compression_level);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, color_types[channels], PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * (size_t)height);
    if (!rows) png_error(png, "out of memory");
    for (int y = 0; y < height; y++) rows[y] = (png_bytep)pixels + (size_t)y * width * channels;
    png_write_info(png, info);
    png_write_image(png, rows);
    png_write_end(png, NULL);
    free(rows);
    png_destroy_write_struct(&png, &info);
    *png_out = context.data;
    *png_size = context.size;
    return CNN_IMAGE_OK;
}

void cnn_png_free(void *pointer) { free(pointer); }
