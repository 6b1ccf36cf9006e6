// The CPU's single-precision FMA peak: GFLOP/s of a loop of independent AVX-512 FMAs (12 chains,
// registers only, no memory), on one thread and on every thread at once. It is the ceiling every
// GEMM and convolution kernel of this machine is measured against: `cnntrain bench kernels`
// prints the 1024³ sgemm rate, and this says how far that rate itself is from the hardware.
// Built and run by scripts/bench/fma_peak.sh.
#include <cpuid.h>
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

// FLOPs per second of `iterations` rounds of 12 dependent-free 16-lane FMAs (2 FLOPs per lane).
__attribute__((target("avx512f"))) static double fma_rate(long iterations) {
    __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(0.001f);
    // a and b hidden from the optimizer: with them known, clang saw that the chain starting at 1
    // stays at 1 (1 · 0.999 + 0.001 rounds to 1), dropped its FMAs and left 22 of the 24 per
    // iteration, which read as 128 instead of 117 GFLOP/s on a Zen 4 core (session 9; gcc 12
    // kept all 24, hence its "slower" 117 of session 8).
    __asm__ volatile("" : "+v"(a), "+v"(b));
    __m512 c0 = _mm512_set1_ps(0), c1 = _mm512_set1_ps(1), c2 = _mm512_set1_ps(2), c3 = _mm512_set1_ps(3);
    __m512 c4 = _mm512_set1_ps(4), c5 = _mm512_set1_ps(5), c6 = _mm512_set1_ps(6), c7 = _mm512_set1_ps(7);
    __m512 c8 = _mm512_set1_ps(8), c9 = _mm512_set1_ps(9), c10 = _mm512_set1_ps(10), c11 = _mm512_set1_ps(11);
    const double start = seconds();
    // Two rounds per iteration, so that the loop's own instructions weigh little.
    for (long k = 0; k < iterations; k += 2) {
#define STEP(c) c = _mm512_fmadd_ps(c, a, b)
        STEP(c0); STEP(c1); STEP(c2); STEP(c3); STEP(c4); STEP(c5);
        STEP(c6); STEP(c7); STEP(c8); STEP(c9); STEP(c10); STEP(c11);
        STEP(c0); STEP(c1); STEP(c2); STEP(c3); STEP(c4); STEP(c5);
        STEP(c6); STEP(c7); STEP(c8); STEP(c9); STEP(c10); STEP(c11);
#undef STEP
    }
    const double elapsed = seconds() - start;
    // The sum is printed nowhere but keeps the chains live (else the loop could be dropped).
    volatile float sink = _mm512_reduce_add_ps(
        _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c0, c1), _mm512_add_ps(c2, c3)),
                      _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c4, c5), _mm512_add_ps(c6, c7)),
                                    _mm512_add_ps(_mm512_add_ps(c8, c9), _mm512_add_ps(c10, c11)))));
    (void)sink;
    return iterations * 12.0 * 32.0 / elapsed;
}

static const long iterations = 200000000;  // about a second at 4 GHz
static double results[256];

static void *worker(void *slot) {
    *(double *)slot = fma_rate(iterations);
    return NULL;
}

int main(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) || !(ebx & (1u << 16))) {
        fprintf(stderr, "fma_peak: this CPU has no AVX-512F\n");
        return 1;
    }
    long threads = sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1) threads = 1;
    if (threads > 256) threads = 256;
    fma_rate(iterations / 10);  // warm-up: let the clock settle
    printf("AVX-512 FMA peak, one thread: %.1f GFLOP/s\n", fma_rate(iterations) * 1e-9);
    pthread_t ids[256];
    for (long i = 0; i < threads; i++) pthread_create(&ids[i], NULL, worker, &results[i]);
    double total = 0;
    for (long i = 0; i < threads; i++) {
        pthread_join(ids[i], NULL);
        total += results[i];
    }
    printf("AVX-512 FMA peak, %ld threads at once: %.1f GFLOP/s\n", threads, total * 1e-9);
    return 0;
}
