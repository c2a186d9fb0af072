/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-bench.c: how fast is the sweep? Runs the full L x T sweep with the fast schedule
 * and, in the same run as the baseline, with --naive (one full forward per patch), on
 * the assignment's 11-token prompts and on a 64-token pair; prints wall times, the
 * ratio, the achieved GFLOP/s against the sweep's minimum FLOP count, and peak memory
 * against the size of the weights file. Also checks both matrices agree.
 *
 * With --cli, it also runs `patchlens-cli sweep` as a user does and reports the whole
 * process's wall time (start, load, tokenize, both runs, sweep, JSON written) and its
 * peak memory (the best of three runs for short prompts). The machine's load average is printed at the
 * start and the end, since the figures mean little on a busy machine.
 *
 *   pl-bench MODEL_DIR [--cli PATCHLENS_CLI] [--threads N] [--skip-naive] [--skip-naive-64]
 *            [--skip-64] [--loads N]
 *
 * --loads N only loads the model N times and prints each load's time, the best and
 * the median (the load is a large part of a short CLI run).
 *
 * Loads: Patchlens maps its own aligned copy of the weights (pl-weights-cache.h), made by
 * a model's first load. The bench uses a cache folder of its own, emptied at the start,
 * so it measures, in the same run: the load reading the file (the copy off, the
 * baseline), the first load (which makes the copy), and the later loads; and the whole
 * CLI process with the copy (as every run after the first) and without it.
 */
#include <math.h>
#include <stdlib.h>
#include <time.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pl-attention.h"
#include "pl-parallel.h"

#include "pl-blas.h"
#include "pl-inputs.h"
#include "pl-sweep.h"
#include <glib/gstdio.h>


/* Matrix-product FLOPs any method must spend: each patched run (l, p) pushes rows
 * [p, T) through the blocks after the patch (12 C^2 multiply-adds per row and block,
 * plus attention over p..t keys), and reads two answer logits. Patches before the first
 * differing token, d, cost nothing: by causality both runs agree there, so such a
 * cell is the unpatched run's metric (the engine runs nothing for it). The
 * position-0 runs are the costliest (all T rows), so leaving them in would overstate
 * the work by about a sixth for the 11-token pair (d = 1), and the GFLOP/s with it. */
static double
min_flops (const PlConfig *cfg, int T, int d, PlSite site)
{
  double C = cfg->n_embd, f = 0;

  for (int l = 0; l < cfg->n_layer; l++)
    {
      int s = site == PL_SITE_RESID_PRE ? l : l + 1;

      for (int p = d; p < T; p++)
        for (int t = p; t < T; t++)
          f += (cfg->n_layer - s) * (2 * 12 * C * C + 2 * 2 * C * (t + 1)) + 2 * 2 * C;
    }
  return f;
}

static double
max_abs_diff (const PlSweepResult *a, const PlSweepResult *b)
{
  double m = 0;

  for (int i = 0; i < a->n_layers * a->n_positions; i++)
    m = MAX (m, fabs (a->matrix[i] - b->matrix[i]));
  return m;
}

static void
print_load (const char *when)
{
  g_autofree char *text = NULL;

  if (g_file_get_contents ("/proc/loadavg", &text, NULL, NULL))
    printf ("load average %s: %s", when, text);
}

static int
cmp_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* Runs the CLI's sweep as a user does; wall seconds and peak RSS (KiB) of the child. */
static double
cli_run (const char *cli, const char *model, const char *clean, const char *corrupted,
         long *maxrss_kb)
{
  g_autofree char *json = g_build_filename (g_get_tmp_dir (), "pl-bench-out.json", NULL);
  const char *argv[] = { cli, "sweep", "--model", model, "--clean", clean, "--corrupted",
                         corrupted, "--clean-answer", " Jones", "--corrupted-answer",
                         " Smith", "--json", json, NULL };
  gint64 t0 = g_get_monotonic_time ();
  struct rusage ru;
  int status;
  pid_t pid = fork ();

  if (pid == 0)
    {
      execv (cli, (char **) argv);
      _exit (127);
    }
  if (pid < 0 || wait4 (pid, &status, 0, &ru) != pid || !WIFEXITED (status)
      || WEXITSTATUS (status) != 0)
    g_error ("%s sweep failed", cli);
  *maxrss_kb = ru.ru_maxrss;
  g_unlink (json);
  return (g_get_monotonic_time () - t0) / 1e6;
}

static void
bench_cli_once (const char *cli, PlModel *model, const char *label, const char *clean,
                const char *corrupted, int T, gboolean copy)
{
  double best = INFINITY;
  long rss = 0, r;
  int runs = T <= 16 ? 5 : 1;
  g_autofree double *t = g_new (double, runs);

  g_setenv ("PATCHLENS_WEIGHTS_CACHE", copy ? "1" : "0", TRUE);
  for (int i = 0; i < runs; i++)
    {
      t[i] = cli_run (cli, pl_model_path (model), clean, corrupted, &r);
      best = MIN (best, t[i]);
      rss = MAX (rss, r);
    }
  g_unsetenv ("PATCHLENS_WEIGHTS_CACHE");
  qsort (t, runs, sizeof (double), cmp_double);
  printf ("%-22s %2d x %-3d  whole process (patchlens-cli sweep, %s) best of %d %6.3f s, "
          "median %6.3f s, peak RSS %.0f MiB = %.2fx the %.0f MiB file\n", label,
          pl_model_config (model)->n_layer, T, copy ? "aligned copy" : "copy off, reads the file",
          runs, best, t[runs / 2], rss / 1024.0, rss * 1024.0 / pl_model_file_size (model),
          pl_model_file_size (model) / 1048576.0);
}

/* The whole process with the aligned copy, and without it as the baseline. */
static void
bench_cli (const char *cli, PlModel *model, const char *label, const char *clean,
           const char *corrupted, int T)
{
  bench_cli_once (cli, model, label, clean, corrupted, T, TRUE);
  bench_cli_once (cli, model, label, clean, corrupted, T, FALSE);
}

static PlSweepResult *
timed_sweep (PlModel *model, PlInputs *in, gboolean naive)
{
  PlSweepOptions opt = PL_SWEEP_OPTIONS_INIT;
  g_autoptr(GError) error = NULL;
  PlSweepResult *r;

  opt.naive = naive;
  r = pl_sweep_run (model, in, &opt, NULL, NULL, NULL, &error);
  if (r == NULL)
    g_error ("sweep failed: %s", error->message);
  return r;
}

static void
bench_pair (PlModel *model, const char *label, const char *clean, const char *corrupted,
            gboolean with_naive, const char *cli)
{
  const PlConfig *cfg = pl_model_config (model);
  g_autoptr(GError) error = NULL;
  g_autoptr(PlInputs) in = pl_inputs_prepare (pl_model_tokenizer (model), cfg->n_positions,
                                              clean, corrupted, " Jones", " Smith", &error);
  g_autoptr(PlSweepResult) fast = NULL;
  g_autoptr(PlSweepResult) naive = NULL;
  double flops;
  int d;

  if (in == NULL)
    g_error ("%s", error->message);
  d = pl_inputs_first_difference (in);
  flops = min_flops (cfg, in->clean.n_tokens, d, PL_SITE_RESID_POST);
  /* warm-up: page in the weights, start BLAS threads */
  pl_sweep_result_free (timed_sweep (model, in, FALSE));
  fast = timed_sweep (model, in, FALSE);
  printf ("%-22s %2d x %-3d  minimum %.1f GFLOP (first differing token at %d: the %d "
          "cells before it cost nothing; %d of %d cells run no patch)\n", label, cfg->n_layer,
          in->clean.n_tokens, flops / 1e9, d, cfg->n_layer * d, fast->cells_skipped,
          cfg->n_layer * in->clean.n_tokens);
  printf ("%-22s %2d x %-3d  fast   %8.3f s  %7.1f GFLOP/s (in process)\n", label,
          cfg->n_layer, in->clean.n_tokens, fast->seconds, flops / fast->seconds / 1e9);
  if (cli)
    bench_cli (cli, model, label, clean, corrupted, in->clean.n_tokens);
  if (!with_naive)
    return;
  naive = timed_sweep (model, in, TRUE);
  printf ("%-22s %2d x %-3d  naive  %8.3f s  %7.1f GFLOP/s (of the minimum)\n", label,
          cfg->n_layer, in->clean.n_tokens, naive->seconds, flops / naive->seconds / 1e9);
  printf ("%-22s speed-up %.1fx, max |fast - naive| = %.2e\n", label,
          naive->seconds / fast->seconds, max_abs_diff (fast, naive));
}

/* Raw BLAS speed on this machine, for scale. */
static void
bench_blas (void)
{
  int n = 1024;
  g_autofree float *a = g_new0 (float, n * n);
  g_autofree float *b = g_new0 (float, n * n);
  g_autofree float *c = g_new0 (float, n * n);
  gint64 t0;
  double s;

  pl_sgemm (n, n, n, a, n, b, n, c, n);   /* on the pool, as the sweep's products */
  t0 = g_get_monotonic_time ();
  for (int i = 0; i < 5; i++)
    pl_sgemm (n, n, n, a, n, b, n, c, n);
  s = (g_get_monotonic_time () - t0) / 1e6;
  printf ("BLAS sgemm 1024^3: %.1f GFLOP/s (the machine's ceiling)\n", 5 * 2.0 * n * n * n / s / 1e9);
}

/* A cache folder of the bench's own (children inherit it), so the first load below
 * makes the aligned copy whatever the user's cache holds. */
static char *
own_cache_folder (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("pl-bench-cache-XXXXXX", &error);

  if (dir == NULL)
    g_error ("%s", error->message);
  g_setenv ("XDG_CACHE_HOME", dir, TRUE);
  return dir;
}

static void
remove_folder (const char *dir)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);

  if (system (cmd) != 0)
    g_warning ("could not remove %s", dir);
}

/* One load, timed; whether it used the aligned copy. */
static double
timed_load (const char *dir, gboolean *copy)
{
  g_autoptr(GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  PlModel *model = pl_model_load (dir, &error);
  double s = (g_get_monotonic_time () - t0) / 1e6;

  if (model == NULL)
    g_error ("%s", error->message);
  *copy = pl_model_uses_cache (model);
  pl_model_free (model);
  return s;
}

/* The load reading the file (the baseline), the first load making the aligned copy
 * (the source must be three seconds old for that), and a load from the copy. */
static void
bench_load_kinds (const char *dir)
{
  g_autofree char *weights = g_build_filename (dir, "model.safetensors", NULL);
  double read_s, first_s, later_s;
  gboolean copy[3];
  GStatBuf st;

  if (g_stat (weights, &st) == 0 && time (NULL) - st.st_ctime < 4)
    g_usleep (4 * G_USEC_PER_SEC);
  g_setenv ("PATCHLENS_WEIGHTS_CACHE", "0", TRUE);
  read_s = timed_load (dir, &copy[0]);
  g_unsetenv ("PATCHLENS_WEIGHTS_CACHE");
  first_s = timed_load (dir, &copy[1]);
  later_s = timed_load (dir, &copy[2]);
  printf ("load reading the file %.3f s; first load, making the aligned copy %.3f s%s; "
          "load from the copy %.3f s%s\n", read_s, first_s,
          copy[1] ? "" : " (NOT MADE)", later_s, copy[2] ? "" : " (NOT USED)");
}

/* Loads the model n times; prints each time, the best and the median. */
static int
bench_loads (const char *dir, int n)
{
  g_autofree double *t = g_new (double, MAX (n, 1));

  for (int i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 t0 = g_get_monotonic_time ();
      PlModel *model = pl_model_load (dir, &error);

      if (model == NULL)
        g_error ("%s", error->message);
      t[i] = (g_get_monotonic_time () - t0) / 1e6;
      pl_model_free (model);
      printf ("load %d: %.3f s\n", i + 1, t[i]);
    }
  qsort (t, n, sizeof (double), cmp_double);
  if (n > 0)
    printf ("load of %s, %d times: best %.3f s, median %.3f s\n", dir, n, t[0], t[n / 2]);
  return 0;
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PlModel) model = NULL;
  g_autoptr(GString) long_clean = g_string_new ("Michelle Jones was a top-notch student.");
  g_autoptr(GString) long_corrupted = g_string_new ("Michelle Smith was a top-notch student.");
  int threads = 0, loads = 0;
  gboolean naive_11 = TRUE, naive_64 = TRUE, long_64 = TRUE;
  const char *cli = NULL;
  struct rusage ru;
  gint64 t0;

  g_autofree char *blas = NULL;
  g_autofree char *cache = NULL;

  pl_blas_init (argv);
  setvbuf (stdout, NULL, _IOLBF, 0);   /* figures appear as they are measured */
  for (int i = 2; i < argc; i++)
    if (g_str_equal (argv[i], "--threads") && i + 1 < argc)
      threads = atoi (argv[++i]);
    else if (g_str_equal (argv[i], "--skip-naive-64"))
      naive_64 = FALSE;
    else if (g_str_equal (argv[i], "--skip-naive"))
      naive_11 = naive_64 = FALSE;
    else if (g_str_equal (argv[i], "--skip-64"))
      long_64 = FALSE;
    else if (g_str_equal (argv[i], "--cli") && i + 1 < argc)
      cli = argv[++i];
    else if (g_str_equal (argv[i], "--loads") && i + 1 < argc)
      loads = atoi (argv[++i]);
  if (argc < 2)
    g_error ("usage: pl-bench MODEL_DIR [--cli PATCHLENS_CLI] [--threads N] "
             "[--skip-naive] [--skip-naive-64] [--skip-64] [--loads N]");
  pl_blas_set_threads (threads);
  if (loads > 0)
    return bench_loads (argv[1], loads);
  blas = pl_blas_describe ();
  printf ("%s; attention: %s\n", blas, pl_attention_path ());
  print_load ("at start");
  bench_blas ();
  cache = own_cache_folder ();
  bench_load_kinds (argv[1]);
  t0 = g_get_monotonic_time ();
  model = pl_model_load (argv[1], &error);
  if (model == NULL)
    g_error ("%s", error->message);
  getrusage (RUSAGE_SELF, &ru);
  printf ("model %s: %d layers, %d dims, %.0f MiB file; loaded in %.3f s (%s), peak RSS "
          "of the process so far %.0f MiB = %.2fx the file\n", argv[1],
          pl_model_config (model)->n_layer, pl_model_config (model)->n_embd,
          pl_model_file_size (model) / 1048576.0, (g_get_monotonic_time () - t0) / 1e6,
          pl_model_uses_cache (model) ? "from the aligned copy" : "read",
          ru.ru_maxrss / 1024.0, ru.ru_maxrss * 1024.0 / pl_model_file_size (model));

  bench_pair (model, "assignment (11 tok)", "Michelle Jones was a top-notch student. Michelle",
              "Michelle Smith was a top-notch student. Michelle", naive_11, cli);
  if (!long_64)
    {
      print_load ("at the end");
      remove_folder (cache);
      return 0;
    }
  /* A 64-token pair: the same sentences, with the same filler words between them. */
  for (int w = 0;; w++)
    {
      static const char *const words[] = { " She", " liked", " maths", " and", " music", "." };
      g_autoptr(GArray) ids = pl_tokenizer_encode (pl_model_tokenizer (model),
                                                   long_clean->str, -1, NULL);
      if (ids->len >= 63)
        break;
      g_string_append (long_clean, words[w % G_N_ELEMENTS (words)]);
      g_string_append (long_corrupted, words[w % G_N_ELEMENTS (words)]);
    }
  g_string_append (long_clean, " Michelle");
  g_string_append (long_corrupted, " Michelle");
  bench_pair (model, "long pair", long_clean->str, long_corrupted->str, naive_64, cli);
  print_load ("at the end");
  remove_folder (cache);
  return 0;
}
