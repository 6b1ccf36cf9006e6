// The engine's worker pool (see include/cnn_pool.h).

#include "cnn_pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#define MAX_WORKERS 255

static pthread_mutex_t run_lock = PTHREAD_MUTEX_INITIALIZER;   // one loop at a time
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER; // guards sleepers and the condition
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static atomic_uint generation;      // +1 per loop; workers wait for it to change
static atomic_int pending;          // workers that have not finished the current loop
static int sleepers;                // workers waiting on `wake` (under sleep_lock)
static int started;                 // workers running (under run_lock)
static cnn_chunk_body job_body;
static void *job_context;
static int job_chunks;
static __thread int inside_chunk;   // nested loops run inline

static inline void cpu_relax(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
}

static double now_microseconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec * 1e-3;
}

int cnn_pool_spin_microseconds(void) {
    static int cached = -1;
    if (cached < 0) {
        const char *text = getenv("CNNTRAIN_POOL_SPIN_US");
        const int value = text ? atoi(text) : 100;
        cached = value < 0 ? 0 : value;
    }
    return cached;
}

static unsigned start_generation[MAX_WORKERS + 1];  // the loop count when worker c was started

static void *worker_main(void *argument) {
    const int chunk = (int)(size_t)argument;  // this worker always runs chunk `chunk` of a loop
    // The loop it was started for has the next generation: read it from before the increment,
    // not from `generation`, which may already have moved on.
    unsigned seen = start_generation[chunk];
    inside_chunk = 1;
    for (;;) {
        // Wait for the next loop: spin first, then sleep.
        const double spin_until = now_microseconds() + cnn_pool_spin_microseconds();
        unsigned current;
        int spins = 0;
        while ((current = atomic_load_explicit(&generation, memory_order_acquire)) == seen) {
            cpu_relax();
            if (++spins % 64 == 0 && now_microseconds() > spin_until) {
                pthread_mutex_lock(&sleep_lock);
                sleepers++;
                while ((current = atomic_load(&generation)) == seen) pthread_cond_wait(&wake, &sleep_lock);
                sleepers--;
                pthread_mutex_unlock(&sleep_lock);
                break;
            }
        }
        seen = current;
        if (chunk < job_chunks) job_body(job_context, chunk);
        atomic_fetch_sub_explicit(&pending, 1, memory_order_release);
    }
    return NULL;
}

void cnn_pool_run(int chunks, cnn_chunk_body body, void *context) {
    if (chunks <= 0) return;
    // One chunk, a loop inside a chunk, another thread's loop running, or more chunks than the pool
    // can have workers: the chunks run here, one after the other.
    if (chunks == 1 || chunks - 1 > MAX_WORKERS || inside_chunk || pthread_mutex_trylock(&run_lock) != 0) {
        for (int c = 0; c < chunks; c++) body(context, c);
        return;
    }
    while (started < chunks - 1) {
        pthread_t thread;
        start_generation[started + 1] = atomic_load(&generation);
        if (pthread_create(&thread, NULL, worker_main, (void *)(size_t)(started + 1)) != 0) break;
        pthread_detach(thread);
        started++;
    }
    if (started < chunks - 1) {  // no more threads to be had: run inline
        pthread_mutex_unlock(&run_lock);
        for (int c = 0; c < chunks; c++) body(context, c);
        return;
    }
    job_body = body;
    job_context = context;
    job_chunks = chunks;
    atomic_store_explicit(&pending, started, memory_order_relaxed);
    atomic_fetch_add_explicit(&generation, 1, memory_order_release);
    pthread_mutex_lock(&sleep_lock);
    if (sleepers > 0) pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&sleep_lock);

    inside_chunk = 1;
    body(context, 0);
    inside_chunk = 0;
    while (atomic_load_explicit(&pending, memory_order_acquire) > 0) cpu_relax();
    pthread_mutex_unlock(&run_lock);
}
