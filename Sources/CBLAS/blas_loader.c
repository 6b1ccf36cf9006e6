#define _GNU_SOURCE
#include "cnn_blas.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

// CBLAS enum values (cblas.h): RowMajor = 101, NoTrans = 111, Trans = 112.
typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int,
                         float, float *, int);
typedef void (*set_threads_fn)(int);
typedef int (*get_threads_fn)(void);
typedef char *(*get_string_fn)(void);

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static sgemm_fn sgemm_ptr;
static set_threads_fn set_threads_ptr;
static get_threads_fn get_threads_ptr;
static get_string_fn core_name_ptr;
static get_string_fn config_ptr;
static char load_error[512];
static char requested_core[32];

int cnn_cpu_supports_avx512f(void) {
#if defined(__x86_64__)
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    if (!(ecx & (1u << 27))) return 0;  // OSXSAVE: xgetbv is usable
    unsigned int xcr0_lo, xcr0_hi;
    __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    const unsigned int needed = (1u << 1) | (1u << 2) | (1u << 5) | (1u << 6) | (1u << 7);
    if ((xcr0_lo & needed) != needed) return 0;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    return (ebx & (1u << 16)) ? 1 : 0;
#else
    return 0;
#endif
}

// Core types whose kernels use no AVX-512 (OpenBLAS's names, compared case-insensitively).
static int is_pre_avx512_core(const char *name) {
    const char *older[] = {"haswell", "zen", "sandybridge", "nehalem", "core2", "penryn", "dunnington", "atom",
                           "bulldozer", "piledriver", "steamroller", "excavator", "barcelona", "opteron",
                           "prescott", "katmai", "coppermine", "northwood", NULL};
    for (int i = 0; older[i]; i++) if (strcasecmp(name, older[i]) == 0) return 1;
    return 0;
}

// Chooses OPENBLAS_CORETYPE before the library loads:
// 1. CNNTRAIN_BLAS_CORETYPE, when set, is used as it is (the way to insist on a core type).
// 2. Otherwise, on a CPU and OS with AVX-512F, SkylakeX replaces an unset or pre-AVX-512 value.
//    (Machines here export OPENBLAS_CORETYPE=Haswell as a safe default for mixed fleets; on an
//    AVX-512 CPU that only halves sgemm speed, so we upgrade it. We never upgrade without AVX-512.)
static void choose_core_type(void) {
    const char *forced = getenv("CNNTRAIN_BLAS_CORETYPE");
    if (forced && *forced) {
        setenv("OPENBLAS_CORETYPE", forced, 1);
        snprintf(requested_core, sizeof requested_core, "%s", forced);
        return;
    }
    const char *current = getenv("OPENBLAS_CORETYPE");
    if (cnn_cpu_supports_avx512f() && (current == NULL || *current == 0 || is_pre_avx512_core(current))) {
        setenv("OPENBLAS_CORETYPE", "SkylakeX", 1);
        snprintf(requested_core, sizeof requested_core, "SkylakeX");
    }
}

static void load_library(void) {
    choose_core_type();
    const char *candidates[] = {"libopenblas.so.0", "libopenblas.so", NULL};
    void *handle = NULL;
    for (int i = 0; candidates[i] && !handle; i++) handle = dlopen(candidates[i], RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        snprintf(load_error, sizeof load_error,
                 "OpenBLAS could not be loaded (%s). Install it with scripts/setup.sh "
                 "(Debian package libopenblas-dev).", dlerror());
        return;
    }
    sgemm_ptr = (sgemm_fn)dlsym(handle, "cblas_sgemm");
    set_threads_ptr = (set_threads_fn)dlsym(handle, "openblas_set_num_threads");
    get_threads_ptr = (get_threads_fn)dlsym(handle, "openblas_get_num_threads");
    core_name_ptr = (get_string_fn)dlsym(handle, "openblas_get_corename");
    config_ptr = (get_string_fn)dlsym(handle, "openblas_get_config");
    if (!sgemm_ptr) snprintf(load_error, sizeof load_error, "OpenBLAS has no cblas_sgemm symbol.");
}

int cnn_blas_load(char *message, int message_capacity) {
    pthread_once(&load_once, load_library);
    if (sgemm_ptr) return 0;
    if (message && message_capacity > 0) snprintf(message, (size_t)message_capacity, "%s", load_error);
    return 1;
}

void cnn_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
               const float *b, int ldb, float beta, float *c, int ldc) {
    sgemm_ptr(101, trans_a ? 112 : 111, trans_b ? 112 : 111, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void cnn_blas_set_threads(int count) { if (set_threads_ptr) set_threads_ptr(count); }
int cnn_blas_get_threads(void) { return get_threads_ptr ? get_threads_ptr() : 1; }
const char *cnn_blas_core_name(void) { return core_name_ptr ? core_name_ptr() : "unknown"; }
const char *cnn_blas_config(void) { return config_ptr ? config_ptr() : "unknown"; }
const char *cnn_blas_requested_core(void) { return requested_core; }
