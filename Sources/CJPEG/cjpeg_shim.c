// libjpeg decode/encode from memory. error_exit formats the message and longjmps back here;
// it never returns to libjpeg. Variables changed after setjmp and used after longjmp are volatile.
#include "cjpeg_shim.h"
#include <stdio.h>
#include <jpeglib.h>
#include <jerror.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// A progressive file can hold thousands of tiny scans (a known decompression bomb); real ones
// hold about ten.
#define MAX_SCANS 1000

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    int premature_end;              // libjpeg warned that the data ended early
    char message[JMSG_LENGTH_MAX];
    char warning[JMSG_LENGTH_MAX];  // the first warning's text ("Corrupt JPEG data: …")
} error_manager;

static void on_error_exit(j_common_ptr info) {
    error_manager *errors = (error_manager *)info->err;
    (*info->err->format_message)(info, errors->message);
    longjmp(errors->jump, 1);
}

static void on_emit_message(j_common_ptr info, int level) {
    error_manager *errors = (error_manager *)info->err;
    if (level < 0) {  // a warning: corrupt data that libjpeg would otherwise paper over
        if (info->err->msg_code == JWRN_JPEG_EOF) errors->premature_end = 1;
        if (info->err->num_warnings == 0) (*info->err->format_message)(info, errors->warning);
        info->err->num_warnings++;
    }
}

static void on_progress(j_common_ptr info) {
    if (info->is_decompressor && ((j_decompress_ptr)info)->input_scan_number > MAX_SCANS) {
        error_manager *errors = (error_manager *)info->err;
        snprintf(errors->message, sizeof errors->message, "more than %d progressive scans", MAX_SCANS);
        longjmp(errors->jump, 2);
    }
}

static void install_errors(error_manager *errors, struct jpeg_error_mgr **slot) {
    memset(errors, 0, sizeof *errors);
    *slot = jpeg_std_error(&errors->base);
    errors->base.error_exit = on_error_exit;
    errors->base.emit_message = on_emit_message;
}

static int divides_at_least(int side, int denominator, int target) {
    return (side + denominator - 1) / denominator >= target;
}

int cnn_jpeg_decode(const unsigned char *data, size_t size, int64_t max_pixels, int target_width,
                    int target_height, cnn_jpeg_image *out) {
    memset(out, 0, sizeof *out);
    if (size == 0) { snprintf(out->message, sizeof out->message, "empty file (0 bytes)"); return CNN_JPEG_TRUNCATED; }
    if (size < 3 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF) {
        snprintf(out->message, sizeof out->message, "not a JPEG file (bad signature)");
        return size < 3 ? CNN_JPEG_TRUNCATED : CNN_JPEG_CORRUPT;
    }
    struct jpeg_decompress_struct info;
    error_manager errors;
    struct jpeg_progress_mgr progress;
    install_errors(&errors, &info.err);
    unsigned char *volatile pixels = NULL;
    unsigned char *volatile row = NULL;
    volatile int result = CNN_JPEG_OK;
    if (setjmp(errors.jump)) {
        free(pixels);
        free(row);
        jpeg_destroy_decompress(&info);
        int code = result != CNN_JPEG_OK ? result : (errors.premature_end ? CNN_JPEG_TRUNCATED : CNN_JPEG_CORRUPT);
        snprintf(out->message, sizeof out->message, "%s", errors.message);
        out->pixels = NULL;
        return code;
    }
    jpeg_create_decompress(&info);
    progress.progress_monitor = on_progress;
    info.progress = &progress;
    jpeg_mem_src(&info, data, (unsigned long)size);
    jpeg_read_header(&info, TRUE);
    // A file that ended inside the header: libjpeg inserted a fake end marker.
    if (errors.premature_end) {
        snprintf(errors.message, sizeof errors.message, "file ends early (truncated) in the header");
        result = CNN_JPEG_TRUNCATED;
        longjmp(errors.jump, 1);
    }
    out->source_width = (int)info.image_width;
    out->source_height = (int)info.image_height;
    if ((int64_t)info.image_width * (int64_t)info.image_height > max_pixels) {
        snprintf(errors.message, sizeof errors.message, "image claims %u×%u = %lld pixels, over the limit of %lld",
                 info.image_width, info.image_height, (long long)info.image_width * info.image_height,
                 (long long)max_pixels);
        result = CNN_JPEG_TOO_LARGE;
        longjmp(errors.jump, 1);
    }
    int cmyk = info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK;
    switch (info.jpeg_color_space) {
    case JCS_GRAYSCALE: info.out_color_space = JCS_GRAYSCALE; break;
    case JCS_CMYK: case JCS_YCCK: info.out_color_space = JCS_CMYK; break;
    default: info.out_color_space = JCS_RGB; break;
    }
    if (target_width > 0 && target_height > 0) {
        int denominator = 1;
        while (denominator < 8 && divides_at_least((int)info.image_width, denominator * 2, target_width)
               && divides_at_least((int)info.image_height, denominator * 2, target_height))
            denominator *= 2;
        info.scale_num = 1;
        info.scale_denom = (unsigned)denominator;
    }
    jpeg_start_decompress(&info);
    int width = (int)info.output_width, height = (int)info.output_height;
    int components = info.output_components;
    int channels = cmyk ? 3 : components;
    pixels = (unsigned char *)malloc((size_t)width * height * channels);
    if (cmyk) row = (unsigned char *)malloc((size_t)width * 4);
    if (!pixels || (cmyk && !row)) {
        snprintf(errors.message, sizeof errors.message, "out of memory");
        result = CNN_JPEG_NO_MEMORY;
        longjmp(errors.jump, 1);
    }
    int inverted = info.saw_Adobe_marker;
    while (info.output_scanline < info.output_height) {
        unsigned char *destination = pixels + (size_t)info.output_scanline * width * channels;
        JSAMPROW rows[1] = {cmyk ? row : destination};
        jpeg_read_scanlines(&info, rows, 1);
        if (cmyk) {
            for (int x = 0; x < width; x++) {
                int c = row[4 * x], m = row[4 * x + 1], y = row[4 * x + 2], k = row[4 * x + 3];
                if (!inverted) { c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k; }
                destination[3 * x] = (unsigned char)((c * k + 127) / 255);
                destination[3 * x + 1] = (unsigned char)((m * k + 127) / 255);
                destination[3 * x + 2] = (unsigned char)((y * k + 127) / 255);
            }
        }
    }
    if (errors.premature_end) {
        snprintf(errors.message, sizeof errors.message, "file ends early (truncated): premature end of JPEG data");
        result = CNN_JPEG_TRUNCATED;
        longjmp(errors.jump, 1);
    }
    jpeg_finish_decompress(&info);
    // Warnings of the whole decode (jpeg_finish_decompress may add some) reach the caller.
    out->warning_count = (int)errors.base.num_warnings;
    snprintf(out->warning, sizeof out->warning, "%s", errors.warning);
    jpeg_destroy_decompress(&info);
    free(row);
    out->width = width;
    out->height = height;
    out->channels = channels;
    out->was_cmyk = cmyk;
    out->pixels = pixels;
    return CNN_JPEG_OK;
}

int cnn_jpeg_encode(const unsigned char *pixels, int width, int height, int channels, int quality, int progressive,
                    unsigned char **jpeg, size_t *jpeg_size, char *message, size_t message_size) {
    *jpeg = NULL;
    *jpeg_size = 0;
    if ((channels != 1 && channels != 3) || width < 1 || height < 1 || width > 65500 || height > 65500) {
        snprintf(message, message_size, "cannot encode %d×%d with %d channels as JPEG (1 or 3 channels)", width, height,
                 channels);
        return CNN_JPEG_UNSUPPORTED;
    }
    struct jpeg_compress_struct info;
    error_manager errors;
    install_errors(&errors, &info.err);
    unsigned char *volatile buffer = NULL;
    unsigned long volatile buffer_size = 0;
    if (setjmp(errors.jump)) {
        jpeg_destroy_compress(&info);
        free(buffer);
        snprintf(message, message_size, "%s", errors.message);
        return CNN_JPEG_CORRUPT;
    }
    jpeg_create_compress(&info);
    jpeg_mem_dest(&info, (unsigned char **)&buffer, (unsigned long *)&buffer_size);
    info.image_width = (JDIMENSION)width;
    info.image_height = (JDIMENSION)height;
    info.input_components = channels;
    info.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&info);
    jpeg_set_quality(&info, quality < 1 ? 1 : (quality > 100 ? 100 : quality), TRUE);
    if (progressive) jpeg_simple_progression(&info);
    jpeg_start_compress(&info, TRUE);
    while (info.next_scanline < info.image_height) {
        JSAMPROW rows[1] = {(JSAMPROW)(pixels + (size_t)info.next_scanline * width * channels)};
        jpeg_write_scanlines(&info, rows, 1);
    }
    jpeg_finish_compress(&info);
    jpeg_destroy_compress(&info);
    *jpeg = buffer;
    *jpeg_size = buffer_size;
    return CNN_JPEG_OK;
}

void cnn_jpeg_free(void *pointer) { free(pointer); }
