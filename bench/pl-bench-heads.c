/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-bench-heads.c: how fast are the head sweeps? On the assignment's 11-token pair,
 * head_out patched at all positions (layer x head) and by position (layer x position x
 * head: 1,584 patches on a GPT-2-small shape), each with the fast schedule and, in the
 * same run as the baseline, with --naive (one full forward per patch). Prints the sweep's
 * wall time, the speed-up, the GFLOP/s against the sweep's minimum FLOP count, and the
 * largest difference between the two matrices, and the CPU seconds each sweep took (on
 * a machine shared with other work the wall time measures the sharing too); then the
 * whole process (`patchlens-cli
 * sweep ... --json FILE`: start, model load, sweep, output) timed from outside.
 * Targets (issue 10): whole process <= 1 s at all positions, <= 4 s by position.
 *
 *   pl-bench-heads MODEL_DIR [PATCHLENS_CLI] [--threads N] [--skip-naive-by-position]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <glib/gstdio.h>

#include "pl-blas.h"
#include "pl-inputs.h"
#include "pl-sweep.h"

#define CLEAN "Michelle Jones was a top-notch student. Michelle"
#define CORRUPTED "Michelle Smith was a top-notch student. Michelle"

/* Matrix-product FLOPs any method must spend on a head sweep. A patch of head h in block
 * l that first changes position p0 changes, in block l, head h's output rows from p0
 * on (at most), which go through c_proj (2 C^2 per row) and the MLP (16 C^2); then rows
 * [p0, T) go through every later block (24 C^2 per row plus attention over t + 1 keys);
 * then two answer logits. Cells whose patch changes nothing (positions before the first
 * differing token, d) cost nothing. Counted for the patched rows of block l: the one
 * row p for head_out by position. */
static double
min_flops (const PlConfig *cfg, int T, int d, gboolean by_position)
{
  double C = cfg->n_embd, f = 0;
  int L = cfg->n_layer, H = cfg->n_head;

  for (int l = 0; l < L; l++)
    for (int p = by_position ? 0 : d; p < (by_position ? T : d + 1); p++)
      {
        double cell = 0;

        if (p < d)
          continue;
        cell += (by_position ? 1 : T - p) * 18 * C * C;
        for (int t = p; t < T; t++)
          cell += (L - l - 1) * (2 * 12 * C * C + 2 * 2 * C * (t + 1));
        f += H * (cell + 2 * 2 * C);
      }
  return f;
}

/* CPU seconds (user + system) of this process so far, every thread: on a machine shared
 * with other work, the wall time measures the sharing too; this does not. */
static double
cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6
         + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static PlSweepResult *
timed_sweep (PlModel *model, PlInputs *in, gboolean by_position, gboolean naive,
             double *cpu)
{
  PlSweepOptions opt = PL_SWEEP_OPTIONS_INIT;
  g_autoptr(GError) error = NULL;
  PlSweepResult *r;
  double cpu0 = cpu_seconds ();

  opt.site = PL_SITE_HEAD_OUT;
  opt.by_position = by_position;
  opt.naive = naive;
  r = pl_sweep_run (model, in, &opt, NULL, NULL, NULL, &error);
  if (r == NULL)
    g_error ("sweep failed: %s", error->message);
  *cpu = cpu_seconds () - cpu0;
  return r;
}

static double
max_abs_diff (const PlSweepResult *a, const PlSweepResult *b)
{
  double m = 0;

  for (gsize i = 0; i < pl_sweep_result_n_cells (a); i++)
    m = MAX (m, fabs (a->matrix[i] - b->matrix[i]));
  return m;
}

static void
bench_sweep (PlModel *model, PlInputs *in, gboolean by_position, gboolean with_naive)
{
  const PlConfig *cfg = pl_model_config (model);
  const char *label = by_position ? "head_out by position" : "head_out all positions";
  double flops = min_flops (cfg, in->clean.n_tokens, pl_inputs_first_difference (in),
                            by_position);
  g_autoptr(PlSweepResult) fast = NULL;
  g_autoptr(PlSweepResult) naive = NULL;
  double cpu_fast, cpu_naive;

  fast = timed_sweep (model, in, by_position, FALSE, &cpu_fast);   /* warm-up */
  g_clear_pointer (&fast, pl_sweep_result_free);
  fast = timed_sweep (model, in, by_position, FALSE, &cpu_fast);
  printf ("%-24s %5zu patches  fast   %8.3f s (CPU %.2f s)  %6.1f GFLOP/s "
          "(of the minimum, %.1f GFLOP)\n", label, pl_sweep_result_n_cells (fast),
          fast->seconds, cpu_fast, flops / fast->seconds / 1e9, flops / 1e9);
  if (!with_naive)
    return;
  naive = timed_sweep (model, in, by_position, TRUE, &cpu_naive);
  printf ("%-24s %5zu patches  naive  %8.3f s (CPU %.2f s)  %6.1f GFLOP/s "
          "(of the minimum)\n", label, pl_sweep_result_n_cells (naive), naive->seconds,
          cpu_naive, flops / naive->seconds / 1e9);
  printf ("%-24s speed-up %.1fx, max |fast - naive| = %.2e\n", label,
          naive->seconds / fast->seconds, max_abs_diff (fast, naive));
}

/* The whole process, as a user runs it: best of three. */
static void
bench_process (const char *cli, const char *model_dir, gboolean by_position,
               const char *threads)
{
  g_autofree char *tmp = g_dir_make_tmp ("pl-bench-heads-XXXXXX", NULL);
  g_autofree char *out = g_build_filename (tmp, "out.json", NULL);
  const char *argv[] = {
    cli, "sweep", "--model", model_dir, "--clean", CLEAN, "--corrupted", CORRUPTED,
    "--clean-answer", " Jones", "--corrupted-answer", " Smith", "--site", "head_out",
    "--json", out, "--threads", threads, by_position ? "--by-position" : NULL, NULL,
  };
  double best = INFINITY;

  for (int i = 0; i < 3; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *err = NULL;
      int status = 0;
      gint64 t0 = g_get_monotonic_time ();

      if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                         NULL, &err, &status, &error)
          || !g_spawn_check_wait_status (status, &error))
        g_error ("%s failed: %s %s", cli, error->message, err ? err : "");
      best = MIN (best, (g_get_monotonic_time () - t0) / 1e6);
    }
  printf ("whole process, head_out %-13s %8.3f s (target %s)\n",
          by_position ? "by position" : "all positions", best,
          by_position ? "<= 4 s" : "<= 1 s");
  g_unlink (out);
  g_rmdir (tmp);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PlModel) model = NULL;
  g_autoptr(PlInputs) in = NULL;
  const char *cli = NULL, *threads = "0";
  gboolean naive_by_position = TRUE;
  g_autofree char *blas = NULL;

  pl_blas_init (argv);
  setvbuf (stdout, NULL, _IOLBF, 0);   /* figures appear as they are measured */
  for (int i = 2; i < argc; i++)
    if (g_str_equal (argv[i], "--threads") && i + 1 < argc)
      threads = argv[++i];
    else if (g_str_equal (argv[i], "--skip-naive-by-position"))
      naive_by_position = FALSE;
    else if (g_str_equal (argv[i], "--cli") && i + 1 < argc)
      cli = argv[++i];
    else
      cli = argv[i];
  if (argc < 2)
    g_error ("usage: pl-bench-heads MODEL_DIR [PATCHLENS_CLI] [--threads N] "
             "[--skip-naive-by-position]");
  pl_blas_set_threads (atoi (threads));
  blas = pl_blas_describe ();
  printf ("%s\n", blas);
  model = pl_model_load (argv[1], &error);
  if (model == NULL)
    g_error ("%s", error->message);
  in = pl_inputs_prepare (pl_model_tokenizer (model), pl_model_config (model)->n_positions,
                          CLEAN, CORRUPTED, " Jones", " Smith", &error);
  if (in == NULL)
    g_error ("%s", error->message);
  printf ("model %s: %d layers, %d heads, %d dims; %d-token pair\n", argv[1],
          pl_model_config (model)->n_layer, pl_model_config (model)->n_head,
          pl_model_config (model)->n_embd, in->clean.n_tokens);
  bench_sweep (model, in, FALSE, TRUE);
  bench_sweep (model, in, TRUE, naive_by_position);
  if (cli != NULL)
    {
      /* --threads 0 is not a CLI value: leave the CLI its default (all cores). */
      const char *t = g_str_equal (threads, "0") ? NULL : threads;
      g_autofree char *n_cores = g_strdup_printf ("%u", g_get_num_processors ());

      bench_process (cli, argv[1], FALSE, t ? t : n_cores);
      bench_process (cli, argv[1], TRUE, t ? t : n_cores);
    }
  return 0;
}
