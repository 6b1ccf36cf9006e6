#ifndef CNN_POOL_H
#define CNN_POOL_H

/// A small pool of persistent worker threads for the engine's parallel loops (Parallel.swift).
///
/// Why not libdispatch's concurrentPerform: on these 2-vCPU virtual machines its worker needs
/// 30–400 µs to wake, so a loop of two 33 µs chunks took as long as running them one after the
/// other (measured in session 5). Our workers spin for a short while after each loop (the next
/// one usually follows within microseconds: the layers of a training step), then sleep on a
/// condition variable, so an idle process costs no CPU.
///
/// Chunk c of a loop always runs the same body with the same c, so results do not depend on which
/// thread ran it. A loop started from inside a chunk, or while another thread's loop runs, runs
/// its chunks one after the other on the calling thread.

typedef void (*cnn_chunk_body)(void *context, int chunk);

/// Runs body(context, c) for c in 0..<chunks: chunk 0 on the calling thread, the others on the
/// pool's workers (started on first use, up to `chunks` − 1 of them). Returns when all are done.
void cnn_pool_run(int chunks, cnn_chunk_body body, void *context);

/// Microseconds a worker spins waiting for the next loop before it sleeps (default 100; the
/// environment variable CNNTRAIN_POOL_SPIN_US sets it, 0 = sleep at once).
int cnn_pool_spin_microseconds(void);

#endif
