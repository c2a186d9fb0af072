/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-blas.c: choosing OpenBLAS kernels that match the CPU, and its thread count.
 */
#include <string.h>
#include <unistd.h>

#include "pl-blas.h"
#include "pl-parallel.h"

/* OpenBLAS' own API, not in Debian's cblas.h. */
extern char *openblas_get_corename (void);
extern char *openblas_get_config (void);
/* A DYNAMIC_ARCH OpenBLAS's kernel table and the function that chooses it (reading
 * OPENBLAS_CORETYPE); weak, as other builds do not have them. */
extern void *gotoblas __attribute__((weak));
extern void gotoblas_dynamic_init (void) __attribute__((weak));
extern void openblas_set_num_threads (int n);
/* A pthreads OpenBLAS's: joins its own threads; how many it has besides the caller's
 * (minus one), which it starts again lazily after a shutdown (as after a fork). Weak, as
 * other builds do not have them. */
extern void blas_thread_shutdown_ (void) __attribute__((weak));
extern int blas_num_threads __attribute__((weak));

/* Kernels OpenBLAS 0.3.21 has for CPUs with AVX2 or better. */
static const char *const fast_cores[] = {
  "haswell", "skylakex", "cooperlake", "sapphirerapids", "zen",
};

static gboolean
is_fast_core (const char *core)
{
  for (gsize i = 0; i < G_N_ELEMENTS (fast_cores); i++)
    if (g_ascii_strcasecmp (core, fast_cores[i]) == 0)
      return TRUE;
  return FALSE;
}

/* The best kernels this CPU can run, or NULL when it has no AVX2. */
static const char *
best_core (void)
{
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init ();
  if (__builtin_cpu_supports ("avx512f") && __builtin_cpu_supports ("avx512vl")
      && __builtin_cpu_supports ("avx512bw") && __builtin_cpu_supports ("avx512dq"))
    return "SkylakeX";
  if (__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"))
    return "Haswell";
#endif
  return NULL;
}

/* valgrind does not emulate AVX-512, and an exec would leave it behind. */
static gboolean
under_valgrind (void)
{
  const char *preload = g_getenv ("LD_PRELOAD");
  return preload != NULL && strstr (preload, "vgpreload") != NULL;
}

/* Has OpenBLAS choose its kernels again, now that OPENBLAS_CORETYPE is set: before any
 * product, the choice is only which table of kernels the library points to. Executing
 * the program again to the same end cost about 35 ms of every CLI run (a `tokenize`
 * process took 75 ms with it, 48 ms without). FALSE when this OpenBLAS cannot. */
static gboolean
choose_again (void)
{
  const char *core;

  if (&gotoblas == NULL || gotoblas_dynamic_init == NULL)
    return FALSE;
  gotoblas = NULL;
  gotoblas_dynamic_init ();
  core = openblas_get_corename ();
  return gotoblas != NULL && core != NULL && is_fast_core (core);
}

/* OpenBLAS starts its own idle threads when the library loads, before main can set
 * OPENBLAS_NUM_THREADS, and each spins in sched_yield for its timeout (about 0.1 s)
 * before sleeping, on the cores the weights are being loaded on: 6% of the samples in a
 * perf profile of a whole `sweep` run. OpenBLAS runs single-threaded inside our pool
 * (pl-parallel.h), so they are stopped at once. */
static void
stop_openblas_threads (void)
{
  openblas_set_num_threads (1);
  if (blas_thread_shutdown_ == NULL || &blas_num_threads == NULL)
    return;
  blas_thread_shutdown_ ();
  blas_num_threads = 1;     /* a lazy restart then starts no thread */
}

void
pl_blas_init (char **argv)
{
  const char *core = openblas_get_corename ();
  const char *best = best_core ();
  gboolean set_threads;

  stop_openblas_threads ();
  if (g_getenv ("OPENBLAS_CORETYPE") || g_getenv ("PATCHLENS_BLAS_NO_TUNE")
      || best == NULL || core == NULL || is_fast_core (core) || under_valgrind ())
    return;
  g_setenv ("OPENBLAS_CORETYPE", best, TRUE);
  /* OpenBLAS runs single-threaded inside our pool (pl-parallel.h): without this its own
   * idle thread, started when the library loads, would spin in sched_yield. */
  set_threads = g_getenv ("OPENBLAS_NUM_THREADS") == NULL;
  if (set_threads)
    g_setenv ("OPENBLAS_NUM_THREADS", "1", TRUE);
  if (choose_again ())
    return;
  execv ("/proc/self/exe", argv);
  /* The exec failed: go on with the kernels we have. */
  g_unsetenv ("OPENBLAS_CORETYPE");
  if (set_threads)
    g_unsetenv ("OPENBLAS_NUM_THREADS");
}

/* OpenBLAS itself stays single-threaded: its products are split over Patchlens's one
 * pool of threads (pl-parallel.h), so no two sets of threads fight for the cores. */
void
pl_blas_set_threads (int n_threads)
{
  if (n_threads > 0)
    pl_parallel_set_threads (n_threads);
}

char *
pl_blas_describe (void)
{
  g_auto(GStrv) config = g_strsplit (openblas_get_config (), " ", 3);

  return g_strdup_printf ("%s %s · %s kernels · %d threads", config[0],
                          config[1] ? config[1] : "", openblas_get_corename (),
                          pl_parallel_n_threads ());
}
