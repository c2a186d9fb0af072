/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-parallel.c: the pool of threads (parts handed out by an atomic counter; workers
 * spin briefly, then sleep on a condition) and the matrix products split over it.
 */
#include <cblas.h>

#include "pl-parallel.h"

#define MAX_THREADS 64
/* How long (µs) a thread spins for the next step, or for the others to finish one,
 * before it sleeps: steps of a forward pass follow each other within microseconds, a
 * futex wake-up costs tens of them. Short, so a spinning thread never holds a core
 * that real work needs for long. */
#define SPIN_US 50
/* Products smaller than this (multiply-adds) are not worth splitting. */
#define SPLIT_MIN (1 << 20)

extern void openblas_set_num_threads (int n);

static struct {
  GMutex      lock;
  GCond       wake, done;
  GMutex      busy;          /* held by the caller whose step is running */
  int         n_threads;     /* 0 until set or first used */
  int         n_started;     /* workers running (n_threads - 1) */
  gint        generation;    /* one more for each step */
  PlTaskFunc  func;
  gpointer    data;
  int         n_parts;
  gint        next;          /* next part to take */
  gint        running;       /* workers still in the step */
} pool;

static GPrivate in_task;     /* non-NULL on a thread running a part */

static inline void
cpu_relax (void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause ();
#endif
}

/* Spins while (*p == value) == equal, for at most SPIN_US. */
static void
spin_while (gint *p, int value, gboolean equal)
{
  gint64 end = 0;

  for (int k = 0; (g_atomic_int_get (p) == value) == equal; k++)
    {
      cpu_relax ();
      if ((k & 63) == 0)
        {
          gint64 now = g_get_monotonic_time ();

          if (end == 0)
            end = now + SPIN_US;
          else if (now > end)
            return;
        }
    }
}

static void
take_parts (PlTaskFunc func, gpointer data, int n_parts, int worker)
{
  int i;

  while ((i = g_atomic_int_add (&pool.next, 1)) < n_parts)
    func (i, worker, data);
}

static gpointer
worker_main (gpointer p)
{
  int worker = GPOINTER_TO_INT (p);
  int seen = 0;

  g_private_set (&in_task, GINT_TO_POINTER (1));
  for (;;)
    {
      PlTaskFunc func;
      gpointer data;
      int n_parts;

      spin_while (&pool.generation, seen, TRUE);
      g_mutex_lock (&pool.lock);
      while (g_atomic_int_get (&pool.generation) == seen)
        g_cond_wait (&pool.wake, &pool.lock);
      seen = pool.generation;
      func = pool.func;
      data = pool.data;
      n_parts = pool.n_parts;
      g_mutex_unlock (&pool.lock);

      take_parts (func, data, n_parts, worker);
      if (g_atomic_int_dec_and_test (&pool.running))
        {
          g_mutex_lock (&pool.lock);
          g_cond_signal (&pool.done);
          g_mutex_unlock (&pool.lock);
        }
    }
  return NULL;
}

void
pl_parallel_set_threads (int n)
{
  g_atomic_int_compare_and_exchange (&pool.n_threads, 0,
                                     n > 0 ? MIN (n, MAX_THREADS) : 0);
}

int
pl_parallel_n_threads (void)
{
  static gsize once;

  if (g_once_init_enter (&once))
    {
      /* OpenBLAS runs inside our parts, single-threaded, from here on. */
      openblas_set_num_threads (1);
      g_atomic_int_compare_and_exchange (&pool.n_threads, 0,
                                         MIN ((int) g_get_num_processors (), MAX_THREADS));
      g_once_init_leave (&once, 1);
    }
  return g_atomic_int_get (&pool.n_threads);
}

static void
start_workers (void)
{
  while (pool.n_started < pool.n_threads - 1)
    {
      pool.n_started++;
      g_thread_unref (g_thread_new ("pl-worker", worker_main,
                                    GINT_TO_POINTER (pool.n_started)));
    }
}

void
pl_parallel_for (int n_parts, PlTaskFunc func, gpointer data)
{
  int n_threads = pl_parallel_n_threads ();

  if (n_parts <= 0)
    return;
  if (n_parts == 1 || n_threads == 1 || g_private_get (&in_task)
      || !g_mutex_trylock (&pool.busy))
    {
      for (int i = 0; i < n_parts; i++)
        func (i, 0, data);
      return;
    }
  start_workers ();
  g_mutex_lock (&pool.lock);
  pool.func = func;
  pool.data = data;
  pool.n_parts = n_parts;
  g_atomic_int_set (&pool.next, 0);
  g_atomic_int_set (&pool.running, pool.n_started);
  g_atomic_int_inc (&pool.generation);
  g_cond_broadcast (&pool.wake);
  g_mutex_unlock (&pool.lock);

  g_private_set (&in_task, GINT_TO_POINTER (1));
  take_parts (func, data, n_parts, 0);
  g_private_set (&in_task, NULL);
  spin_while (&pool.running, 0, FALSE);
  g_mutex_lock (&pool.lock);
  while (g_atomic_int_get (&pool.running) > 0)
    g_cond_wait (&pool.done, &pool.lock);
  g_mutex_unlock (&pool.lock);
  g_mutex_unlock (&pool.busy);
}

/* ---- matrix products ---- */

typedef struct {
  int          R, N, K, lda, ldb, ldc, cols;   /* cols: columns per part */
  const float *a, *b;
  float       *c;
  gboolean     bt;
} Gemm;

static void
gemm_part (int part, int worker, gpointer data)
{
  const Gemm *g = data;
  int n0 = part * g->cols, n = MIN (g->cols, g->N - n0);

  if (g->bt)
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, g->R, n, g->K, 1.0f, g->a, g->K,
                 g->b + (gsize) n0 * g->K, g->K, 0.0f, g->c + n0, g->N);
  else
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, g->R, n, g->K, 1.0f, g->a,
                 g->lda, g->b + n0, g->ldb, 1.0f, g->c + n0, g->ldc);
}

static void
gemm_split (Gemm *g)
{
  int parts = (double) g->R * g->N * g->K < SPLIT_MIN ? 1 : pl_parallel_n_threads ();

  /* whole cache lines per part */
  g->cols = (g->N + parts - 1) / parts;
  g->cols = (g->cols + 15) / 16 * 16;
  pl_parallel_for ((g->N + g->cols - 1) / g->cols, gemm_part, g);
}

void
pl_sgemm (int R, int N, int K, const float *a, int lda, const float *b, int ldb, float *c,
          int ldc)
{
  Gemm g = { R, N, K, lda, ldb, ldc, 0, a, b, c, FALSE };

  gemm_split (&g);
}

void
pl_sgemm_bt (int R, int N, int K, const float *a, const float *b, float *c)
{
  Gemm g = { R, N, K, K, K, N, 0, a, b, c, TRUE };

  gemm_split (&g);
}
