// Whole-file reading through zlib's gz* interface: gzip files are inflated, plain files are read
// as they are (gzread passes non-gzip data through): IDX files come as .gz or plain.
#ifndef CNN_GZIP_H
#define CNN_GZIP_H
#include <stddef.h>
#include <stdint.h>

/// Reads `path` (gzip or plain) into a malloc'd buffer (free with `cnn_gzip_free`).
/// Returns 0 on success; 1 when the file cannot be opened; 2 on a read or inflate error
/// (a truncated or corrupt .gz); 3 when the content is larger than `max_bytes`.
/// `message` receives a description of the failure.
int cnn_gzip_read_file(const char *path, int64_t max_bytes, unsigned char **data, size_t *size, char *message,
                       size_t message_size);

void cnn_gzip_free(void *pointer);
#endif
