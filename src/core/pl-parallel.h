/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-parallel.h: the one pool of threads that does Patchlens's parallel work, matrix
 * products included.
 *
 *   static void task (int i, int worker, gpointer data) { ... part i, scratch[worker] ... }
 *   pl_parallel_for (n_parts, task, data);    // returns when every part is done
 *
 *   pl_sgemm (R, N, K, a, lda, b, ldb, c, ldc);   // c (R, N) += a (R, K) · b (K, N)
 *
 * Why one pool: OpenBLAS's own threads spin (sched_yield) for a while after each call,
 * so threads of ours running attention, LayerNorm or GELU between products would fight
 * them for the cores. Here OpenBLAS runs single-threaded inside our tasks, and every
 * parallel step, products included, is split over the same threads. Workers spin a few
 * microseconds between steps, then sleep.
 *
 * worker is in [0, pl_parallel_n_threads ()): per-worker scratch can be indexed by it.
 * A call made while another thread's call is running (or from inside a task) runs its
 * parts on the calling thread alone, as worker 0 of its own, so callers that may run
 * concurrently need their own scratch.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef void (*PlTaskFunc) (int      part,
                            int      worker,
                            gpointer data);

/* n <= 0: as many threads as cores (the default). The count is fixed by the first call
 * of pl_parallel_n_threads (every parallel step makes one): call this before. */
void pl_parallel_set_threads (int        n);
int  pl_parallel_n_threads   (void);

void pl_parallel_for         (int        n_parts,
                              PlTaskFunc func,
                              gpointer   data);

/* c (R, N) += a (R, K) · b (K, N), row-major with the leading dimensions given; split
 * by columns over the pool when large enough. */
void pl_sgemm                (int          R,
                              int          N,
                              int          K,
                              const float *a,
                              int          lda,
                              const float *b,
                              int          ldb,
                              float       *c,
                              int          ldc);

/* c (R, N) = a (R, K) · b^T, with b (N, K): the LM head's product. */
void pl_sgemm_bt             (int          R,
                              int          N,
                              int          K,
                              const float *a,
                              const float *b,
                              float       *c);

G_END_DECLS
