#include "cnn_gzip.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int cnn_gzip_read_file(const char *path, int64_t max_bytes, unsigned char **data, size_t *size, char *message,
                       size_t message_size) {
    *data = NULL;
    *size = 0;
    gzFile file = gzopen(path, "rb");
    if (!file) {
        snprintf(message, message_size, "cannot open: %s", errno ? strerror(errno) : "out of memory");
        return 1;
    }
    gzbuffer(file, 1 << 17);
    size_t capacity = 1 << 20, used = 0;
    unsigned char *buffer = (unsigned char *)malloc(capacity);
    if (!buffer) { gzclose(file); snprintf(message, message_size, "out of memory"); return 2; }
    for (;;) {
        if (used == capacity) {
            if ((int64_t)capacity >= max_bytes) {
                free(buffer);
                gzclose(file);
                snprintf(message, message_size, "content larger than %lld bytes", (long long)max_bytes);
                return 3;
            }
            capacity *= 2;
            unsigned char *grown = (unsigned char *)realloc(buffer, capacity);
            if (!grown) { free(buffer); gzclose(file); snprintf(message, message_size, "out of memory"); return 2; }
            buffer = grown;
        }
        size_t want = capacity - used;
        if (want > (1u << 30)) want = 1u << 30;
        int n = gzread(file, buffer + used, (unsigned)want);
        if (n < 0) {
            int code;
            const char *text = gzerror(file, &code);
            snprintf(message, message_size, "read error: %s", text ? text : "unknown");
            free(buffer);
            gzclose(file);
            return 2;
        }
        if (n == 0) break;
        used += (size_t)n;
    }
    // gzread returns 0 at a truncated stream's end without an error; gzclose_r reports it.
    int code;
    const char *text = gzerror(file, &code);
    if (code != Z_OK && code != Z_BUF_ERROR) {
        snprintf(message, message_size, "inflate error: %s", text);
        free(buffer);
        gzclose(file);
        return 2;
    }
    if (code == Z_BUF_ERROR) {
        snprintf(message, message_size, "unexpected end of gzip data (truncated file)");
        free(buffer);
        gzclose(file);
        return 2;
    }
    gzclose(file);
    *data = buffer;
    *size = used;
    return 0;
}

void cnn_gzip_free(void *pointer) { free(pointer); }
