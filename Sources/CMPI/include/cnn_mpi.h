#ifndef CNN_MPI_H
#define CNN_MPI_H

/// Loads Open MPI (libmpi.so.40) at run time and exposes the few collectives data-parallel
/// training needs, over MPI_COMM_WORLD.
///
/// Why not link it: a machine without Open MPI must still build and run single-process. And Swift
/// cannot import MPI's handles: in Open MPI, MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM … are macros for
/// the addresses of globals (ompi_mpi_comm_world, …), which this shim finds with dlsym. The
/// library is opened RTLD_GLOBAL: Open MPI's own plugins (mca_*.so) resolve its symbols from it.
///
/// Errors: MPI's default handler (MPI_ERRORS_ARE_FATAL) stays: a failed collective, e.g. because
/// another rank died, aborts the job instead of returning, so no rank waits forever.

/// Loads the library once (thread-safe). Returns 0 on success; otherwise writes a message.
int cnn_mpi_load(char *message, int message_capacity);

/// MPI_Init (once; later calls return 0). Returns an MPI error code (0 = success).
int cnn_mpi_init(void);
/// MPI_Finalize, when initialised and not yet finalised.
int cnn_mpi_finalize(void);
/// MPI_Abort(MPI_COMM_WORLD, code): ends every rank of the job.
void cnn_mpi_abort(int code);

int cnn_mpi_rank(void);
int cnn_mpi_size(void);

/// In-place MPI_Allreduce(MPI_SUM) of `count` floats / doubles.
int cnn_mpi_allreduce_sum_float(float *values, long count);
int cnn_mpi_allreduce_sum_double(double *values, long count);
/// MPI_Allgather of `count` bytes from each rank into `received` (size × count bytes, rank order).
int cnn_mpi_allgather_bytes(const void *sent, void *received, long count);
/// MPI_Bcast of `count` bytes from `root`.
int cnn_mpi_broadcast_bytes(void *values, long count, int root);
int cnn_mpi_barrier(void);

#endif
