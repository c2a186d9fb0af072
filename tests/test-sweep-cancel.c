/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-sweep-cancel.c: cancellation under stress. A sweep runs on a worker thread, as
 * in the app, and is cancelled 100 times at random moments (from the main thread after
 * a random delay, or from inside the progress callback at a random cell); each run must
 * end either cancelled (NULL, G_IO_ERROR_CANCELLED) or complete and identical to a sweep
 * made before the stress, and a full sweep afterwards must still give the same matrix
 * bit for bit. Under AddressSanitizer (CI) a leak or a use after free fails it too.
 *
 * Run with --seed to replay one random schedule (the seed is printed with --verbose).
 */
#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "pl-sweep.h"
#include "pl-test-util.h"

/* 30 tokens each, differing only in " Jones" / " Smith". */
#define STORY_END " and her little brother walked to the park, where they played chess " \
                  "until the sun went down. Michelle"
#define CLEAN     "After a long day at the office, Michelle Jones" STORY_END
#define CORRUPTED "After a long day at the office, Michelle Smith" STORY_END
#define N_TOKENS 30
#define N_LAYERS 4
#define N_RUNS   100

/* One sweep on a worker thread and what it returned. */
typedef struct {
  PlModel       *model;
  PlInputs      *inputs;
  GCancellable  *cancellable;
  int            cancel_at_cell;   /* cancel from the progress callback; -1: never */
  int            last_done;        /* progress seen so far */
  int            cells_total;
  PlSweepResult *result;
  GError        *error;
} Run;

static void
on_progress (const PlSweepProgress *p,
             gpointer               data)
{
  Run *run = data;

  /* Progress only moves forward and stays within the grid. */
  g_assert_cmpint (p->cells_done, >=, run->last_done);
  g_assert_cmpint (p->cells_done, <=, p->cells_total);
  g_assert_nonnull (p->matrix);
  run->last_done = p->cells_done;
  run->cells_total = p->cells_total;
  if (run->cancel_at_cell >= 0 && p->cells_done >= run->cancel_at_cell)
    g_cancellable_cancel (run->cancellable);
}

static gpointer
run_sweep (gpointer data)
{
  Run *run = data;
  PlSweepOptions opt = PL_SWEEP_OPTIONS_INIT;

  opt.top_k = 5;
  run->result = pl_sweep_run (run->model, run->inputs, &opt, on_progress, run,
                              run->cancellable, &run->error);
  return NULL;
}

/* The same result bit for bit: the matrix, the unpatched runs' values, every hidden. */
static void
assert_same_result (const PlSweepResult *a,
                    const PlSweepResult *b)
{
  gsize n = (gsize) a->n_layers * a->n_positions;

  g_assert_cmpint (a->n_layers, ==, b->n_layers);
  g_assert_cmpint (a->n_positions, ==, b->n_positions);
  g_assert_cmpint (a->n_embd, ==, b->n_embd);
  g_assert_cmpmem (a->matrix, n * sizeof (float), b->matrix, n * sizeof (float));
  g_assert_cmpmem (a->final_hidden, n * a->n_embd * sizeof (float),
                   b->final_hidden, n * b->n_embd * sizeof (float));
  g_assert_true (memcmp (&a->clean_value, &b->clean_value, sizeof (double)) == 0);
  g_assert_true (memcmp (&a->corrupted_value, &b->corrupted_value, sizeof (double)) == 0);
}

/* An uninterrupted sweep on the worker thread; its wall time in *seconds. */
static PlSweepResult *
full_sweep (PlModel *model, PlInputs *in, double *seconds)
{
  Run run = { model, in, NULL, -1, 0, 0, NULL, NULL };
  gint64 t0 = g_get_monotonic_time ();
  GThread *t = g_thread_new ("sweep", run_sweep, &run);

  g_thread_join (t);
  g_assert_no_error (run.error);
  g_assert_nonnull (run.result);
  g_assert_cmpint (run.last_done, ==, run.cells_total);
  for (int i = 0; i < run.result->n_layers * run.result->n_positions; i++)
    g_assert_true (isfinite (run.result->matrix[i]));
  if (seconds)
    *seconds = (g_get_monotonic_time () - t0) / 1e6;
  return run.result;
}

/* One run cancelled at a random moment; returns TRUE if the cancel landed mid-sweep. */
static gboolean
cancelled_run (PlModel *model, PlInputs *in, const PlSweepResult *before, double typical,
               int i, int *n_cancelled, int *n_complete, double *max_latency)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Run run = { model, in, cancellable, -1, 0, 0, NULL, NULL };
  GThread *t;
  gint64 t_cancel = 0;

  /* A quarter of the runs cancel from inside the progress callback, on the worker, at a
   * cell before the last layer: those always land mid-sweep, whatever the machine's load,
   * so the assertion on n_mid below does not depend on timing. */
  if (i % 4 == 3)
    run.cancel_at_cell = g_test_rand_int_range (1, (N_LAYERS - 1) * N_TOKENS + 1);
  t = g_thread_new ("sweep", run_sweep, &run);
  if (run.cancel_at_cell < 0)
    {
      /* From 0 to a typical sweep's duration, so some land before the first cell,
       * most in the middle and some after the end. */
      g_usleep ((gulong) (g_test_rand_double_range (0, typical) * G_USEC_PER_SEC));
      g_cancellable_cancel (cancellable);
      t_cancel = g_get_monotonic_time ();
    }
  g_thread_join (t);
  if (run.cancel_at_cell < 0)
    *max_latency = MAX (*max_latency, (g_get_monotonic_time () - t_cancel) / 1e6);

  if (run.result == NULL)
    {
      g_assert_error (run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_clear_error (&run.error);
      (*n_cancelled)++;
      return run.last_done > 0 && run.last_done < run.cells_total;
    }
  g_assert_no_error (run.error);
  assert_same_result (run.result, before);
  pl_sweep_result_free (run.result);
  (*n_complete)++;
  return FALSE;
}

static void
test_stress (void)
{
  g_autofree char *dir = pl_test_make_model ("cancel", "--layers", "4", "--heads", "2",
                                             "--embd", "64", "--positions", "64",
                                             "--seed", "11", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PlModel) model = pl_model_load (dir, &error);
  g_autoptr(PlInputs) in = NULL;
  g_autoptr(PlSweepResult) before = NULL, after = NULL;
  int n_cancelled = 0, n_complete = 0, n_mid = 0;
  double typical = 0, t, max_latency = 0;
  gint64 t0;

  g_assert_no_error (error);
  in = pl_inputs_prepare (pl_model_tokenizer (model), 64, CLEAN, CORRUPTED,
                          " Jones", " Smith", &error);
  g_assert_no_error (error);
  before = full_sweep (model, in, &typical);
  g_assert_cmpint (before->n_layers, ==, N_LAYERS);
  g_assert_cmpint (before->n_positions, ==, N_TOKENS);
  /* The typical duration: the slower of two, as the first one warms the caches. */
  after = full_sweep (model, in, &t);
  assert_same_result (after, before);
  g_clear_pointer (&after, pl_sweep_result_free);
  typical = MAX (typical, t);
  g_test_message ("a full sweep (%d x %d cells) takes %.3f s", N_LAYERS, N_TOKENS, typical);

  t0 = g_get_monotonic_time ();
  for (int i = 0; i < N_RUNS; i++)
    n_mid += cancelled_run (model, in, before, typical, i, &n_cancelled, &n_complete,
                            &max_latency);
  g_test_message ("%d runs in %.1f s: %d cancelled (%d of them mid-sweep), %d complete",
                  N_RUNS, (g_get_monotonic_time () - t0) / 1e6, n_cancelled, n_mid,
                  n_complete);
  g_test_message ("longest wait from g_cancellable_cancel to the end of the run: %.3f s",
                  max_latency);
  g_assert_cmpint (n_cancelled + n_complete, ==, N_RUNS);
  /* Cancelling is checked between blocks: never more than a few sweeps' time (a loose
   * bound, for loaded CI machines; a hang is what it catches). */
  g_assert_cmpfloat (max_latency, <, 5 * typical + 1.0);
  /* The stress must have hit the middle of sweeps, not only their ends: the callback
   * cancels guarantee a quarter; the timed ones add what the machine's speed allows. */
  g_assert_cmpint (n_mid, >=, N_RUNS / 4);

  after = full_sweep (model, in, NULL);
  assert_same_result (after, before);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Patchlens/SweepCancel/stress", test_stress);
  return g_test_run ();
}
