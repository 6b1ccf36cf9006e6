#define _GNU_SOURCE
#include "cnn_mpi.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

// Open MPI 4's handles are pointers; these typedefs match its ABI (mpi.h: struct ompi_*_t *).
typedef void *mpi_handle;
#define MPI_IN_PLACE_VALUE ((void *)1)  // mpi.h: #define MPI_IN_PLACE ((void *) 1)

typedef int (*init_fn)(int *, char ***);
typedef int (*flag_fn)(int *);
typedef int (*void_fn)(void);
typedef int (*abort_fn)(mpi_handle, int);
typedef int (*comm_int_fn)(mpi_handle, int *);
typedef int (*allreduce_fn)(const void *, void *, int, mpi_handle, mpi_handle, mpi_handle);
typedef int (*allgather_fn)(const void *, int, mpi_handle, void *, int, mpi_handle, mpi_handle);
typedef int (*bcast_fn)(void *, int, mpi_handle, int, mpi_handle);
typedef int (*barrier_fn)(mpi_handle);

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_error[512];
static init_fn init_ptr;
static flag_fn initialized_ptr, finalized_ptr;
static void_fn finalize_ptr;
static abort_fn abort_ptr;
static comm_int_fn rank_ptr, size_ptr;
static allreduce_fn allreduce_ptr;
static allgather_fn allgather_ptr;
static bcast_fn bcast_ptr;
static barrier_fn barrier_ptr;
static mpi_handle comm_world, type_float, type_double, type_byte, op_sum;

static void *find(void *library, const char *name) {
    void *symbol = dlsym(library, name);
    if (!symbol && !load_error[0])
        snprintf(load_error, sizeof load_error, "libmpi has no symbol %s (is it Open MPI 4 or later?)", name);
    return symbol;
}

static void load(void) {
    const char *names[] = {"libmpi.so.40", "libmpi.so", NULL};
    void *library = NULL;
    const char *first_error = NULL;
    char first[256] = "";
    for (int i = 0; names[i] && !library; i++) {
        library = dlopen(names[i], RTLD_NOW | RTLD_GLOBAL);
        if (!library && !first_error) {
            first_error = dlerror();
            snprintf(first, sizeof first, "%s", first_error ? first_error : names[i]);
        }
    }
    if (!library) {
        snprintf(load_error, sizeof load_error,
                 "cannot load Open MPI (%s); install it with scripts/setup.sh (Debian: openmpi-bin libopenmpi-dev)",
                 first);
        return;
    }
    init_ptr = (init_fn)find(library, "MPI_Init");
    initialized_ptr = (flag_fn)find(library, "MPI_Initialized");
    finalized_ptr = (flag_fn)find(library, "MPI_Finalized");
    finalize_ptr = (void_fn)find(library, "MPI_Finalize");
    abort_ptr = (abort_fn)find(library, "MPI_Abort");
    rank_ptr = (comm_int_fn)find(library, "MPI_Comm_rank");
    size_ptr = (comm_int_fn)find(library, "MPI_Comm_size");
    allreduce_ptr = (allreduce_fn)find(library, "MPI_Allreduce");
    allgather_ptr = (allgather_fn)find(library, "MPI_Allgather");
    bcast_ptr = (bcast_fn)find(library, "MPI_Bcast");
    barrier_ptr = (barrier_fn)find(library, "MPI_Barrier");
    // The handles: MPI_COMM_WORLD is &ompi_mpi_comm_world, and so on (mpi.h, OMPI_PREDEFINED_GLOBAL).
    comm_world = find(library, "ompi_mpi_comm_world");
    type_float = find(library, "ompi_mpi_float");
    type_double = find(library, "ompi_mpi_double");
    type_byte = find(library, "ompi_mpi_byte");
    op_sum = find(library, "ompi_mpi_op_sum");
}

int cnn_mpi_load(char *message, int message_capacity) {
    pthread_once(&load_once, load);
    if (load_error[0]) {
        if (message && message_capacity > 0) snprintf(message, (size_t)message_capacity, "%s", load_error);
        return 1;
    }
    return 0;
}

int cnn_mpi_init(void) {
    int done = 0;
    initialized_ptr(&done);
    if (done) return 0;
    return init_ptr(NULL, NULL);
}

int cnn_mpi_finalize(void) {
    if (!finalize_ptr) return 0;
    int started = 0, finished = 0;
    initialized_ptr(&started);
    finalized_ptr(&finished);
    if (!started || finished) return 0;
    return finalize_ptr();
}

void cnn_mpi_abort(int code) { abort_ptr(comm_world, code); }

int cnn_mpi_rank(void) {
    int rank = -1;
    rank_ptr(comm_world, &rank);
    return rank;
}

int cnn_mpi_size(void) {
    int size = 0;
    size_ptr(comm_world, &size);
    return size;
}

// MPI counts are int: long buffers go in slices of at most INT_MAX / 2 elements.
static const long slice = INT_MAX / 2;

int cnn_mpi_allreduce_sum_float(float *values, long count) {
    for (long start = 0; start < count; start += slice) {
        int n = (int)(count - start < slice ? count - start : slice);
        int error = allreduce_ptr(MPI_IN_PLACE_VALUE, values + start, n, type_float, op_sum, comm_world);
        if (error) return error;
    }
    return 0;
}

int cnn_mpi_allreduce_sum_double(double *values, long count) {
    for (long start = 0; start < count; start += slice) {
        int n = (int)(count - start < slice ? count - start : slice);
        int error = allreduce_ptr(MPI_IN_PLACE_VALUE, values + start, n, type_double, op_sum, comm_world);
        if (error) return error;
    }
    return 0;
}

int cnn_mpi_allgather_bytes(const void *sent, void *received, long count) {
    if (count > INT_MAX) return -1;
    return allgather_ptr(sent, (int)count, type_byte, received, (int)count, type_byte, comm_world);
}

int cnn_mpi_broadcast_bytes(void *values, long count, int root) {
    char *bytes = values;
    for (long start = 0; start < count; start += slice) {
        int n = (int)(count - start < slice ? count - start : slice);
        int error = bcast_ptr(bytes + start, n, type_byte, root, comm_world);
        if (error) return error;
    }
    return 0;
}

int cnn_mpi_barrier(void) { return barrier_ptr(comm_world); }
