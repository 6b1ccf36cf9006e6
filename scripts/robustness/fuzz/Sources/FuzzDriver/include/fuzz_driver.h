#include <stddef.h>
#include <stdint.h>

/// Runs libFuzzer's driver with the process arguments and a test-one-input callback.
/// SwiftPM links every executable with `main` renamed to `<module>_main`, so libFuzzer's own
/// `main` is never used: each target's `<module>_main` calls this instead.
int cnn_fuzz_run(int argc, char **argv, int (*test_one_input)(const uint8_t *data, size_t size));
