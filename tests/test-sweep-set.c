/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-sweep-set.c: the set sweep's own contract, beyond its numbers (which
 * check-pairs.py proves against numpy): progress counts the cells of all pairs and only
 * moves forward; cancelling at any cell returns NULL with G_IO_ERROR_CANCELLED (under
 * ASan, without a leak); the per-pair matrices are the single-pair sweep's (to fp32
 * rounding: see test_progress_and_pairs); the running mean each report carries is the
 * mean of exactly the cells computed so far, and the last one is the set's mean; the
 * reader keeps file order, names and line numbers.
 */
#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "pl-pair-set.h"
#include "pl-sweep-set.h"
#include "pl-test-util.h"

#define N_LAYERS 2

static const char set_text[] =
  "\xef\xbb\xbf{\"clean\": \"When Mary and John went to the store, John gave a drink to\", "
  "\"corrupted\": \"When John and Mary went to the store, Mary gave a drink to\", "
  "\"clean_answer\": \" Mary\", \"corrupted_answer\": \" John\", \"name\": \"first\"}\n"
  "\n"
  "{\"clean\": \"When Anna and Paul went to the park, Paul gave a book to\", "
  "\"corrupted\": \"When Paul and Anna went to the park, Anna gave a book to\", "
  "\"clean_answer\": \" Anna\", \"corrupted_answer\": \" Paul\"}\r\n"
  "{\"clean\": \"When Kate and Mark went to the school, Kate gave a ball to\", "
  "\"corrupted\": \"When Mark and Kate went to the school, Mark gave a ball to\", "
  "\"clean_answer\": \" Mark\", \"corrupted_answer\": \" Kate\"}";

static PlModel *model;

typedef struct {
  int           last_done;
  int           cells_total;
  int           cancel_at;    /* -1: never */
  int           n_calls;
  GCancellable *cancellable;
} Watch;

static void
on_progress (const PlSetProgress *p,
             gpointer             data)
{
  Watch *w = data;

  g_assert_cmpint (p->cells_done, >=, w->last_done);
  g_assert_cmpint (p->cells_done, <=, p->cells_total);
  g_assert_cmpint (p->n_pairs, ==, 3);
  g_assert_cmpint (p->pairs_done, <, p->n_pairs);
  g_assert_nonnull (p->pair);
  w->last_done = p->cells_done;
  w->cells_total = p->cells_total;
  w->n_calls++;
  if (w->cancel_at >= 0 && p->cells_done >= w->cancel_at)
    g_cancellable_cancel (w->cancellable);
}

static PlPairSet *
load_set (void)
{
  g_autoptr(GError) error = NULL;
  PlPairSet *set = pl_pair_set_parse (pl_model_tokenizer (model), 64, set_text,
                                      strlen (set_text), "set.jsonl", &error);

  g_assert_no_error (error);
  return set;
}

static void
test_reader (void)
{
  g_autoptr(PlPairSet) set = load_set ();

  g_assert_cmpint (set->n_pairs, ==, 3);
  g_assert_cmpint (set->n_tokens, ==, 14);
  g_assert_cmpstr (set->names[0], ==, "first");
  g_assert_null (set->names[1]);
  g_assert_cmpint (set->lines[0], ==, 1);
  g_assert_cmpint (set->lines[1], ==, 3);   /* after the blank line */
  g_assert_cmpint (set->lines[2], ==, 4);   /* after a CRLF line */
  g_assert_cmpstr (set->pairs[2]->corrupted_answer, ==, " Kate");
}

static void
test_progress_and_pairs (void)
{
  g_autoptr(PlPairSet) set = load_set ();
  g_autoptr(GError) error = NULL;
  PlSweepOptions opt = PL_SWEEP_OPTIONS_INIT;
  Watch w = { 0, 0, -1, 0, NULL };
  g_autoptr(PlSetResult) r = pl_sweep_set_run (model, set, &opt, on_progress, &w, NULL,
                                               &error);

  g_assert_no_error (error);
  g_assert_cmpint (r->n_cells, ==, N_LAYERS * 14);
  g_assert_cmpint (w.cells_total, ==, 3 * N_LAYERS * 14);
  g_assert_cmpint (w.last_done, ==, w.cells_total);
  g_assert_cmpint (w.n_calls, >=, 3);
  /* Each pair's matrix is its single-pair sweep's. The set stacks several pairs' runs
   * into one matrix product, and OpenBLAS picks its kernels (small-matrix, edge
   * kernels) by the product's size, so a row may round differently in the last bits
   * than in a single pair's smaller product: equal to fp32 rounding, as fast and naive
   * are in test-engine. (With OpenBLAS's SkylakeX kernels on GPT-2 shapes they were
   * bit-identical: bench-pairs reports the difference.) */
  for (int i = 0; i < 3; i++)
    {
      g_autoptr(PlSweepResult) one = pl_sweep_run (model, set->pairs[i], &opt, NULL, NULL,
                                                   NULL, &error);

      g_assert_no_error (error);
      for (int c = 0; c < r->n_cells; c++)
        g_assert_cmpfloat_with_epsilon (one->matrix[c],
                                        r->matrices[(gsize) i * r->n_cells + c], 1e-4);
      g_assert_cmpstr (r->pairs[i].clean, ==, set->pairs[i]->clean.text);
      g_assert_cmpint (r->pairs[i].line, ==, set->lines[i]);
    }
  g_assert_true (r->mean == r->summary->matrix);
  g_assert_null (r->summary->final_hidden);
  for (int c = 0; c < r->n_cells; c++)
    g_assert_true (isfinite (r->mean[c]) && isfinite (r->std[c]) && r->std[c] >= 0);
}

/* ---- the running mean ---- */

/* The test's own record of the reports: each pair's latest matrix, by the matrix's
 * address while it runs (a finished pair's moves to done, so a later pair given the
 * same address starts afresh). */
typedef struct {
  GHashTable *live;      /* matrix address -> float copy */
  GPtrArray  *done;      /* float copies of finished pairs */
  int         n_cells;
  int         n_partial; /* reports with some cells empty and some filled */
  float      *last_mean; /* the last report's running mean */
  double      last_ends[2];
} MeanWatch;

/* Checks the report's running mean against the mean of the recorded matrices' filled
 * cells, cell by cell: the same count and, to float rounding, the same value; an
 * empty cell (count 0) is NAN. */
static void
check_running (MeanWatch *w, const PlRunningMean *rm)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new ();
  GHashTableIter it;
  gpointer m;
  int empty = 0;

  g_ptr_array_extend (all, w->done, NULL, NULL);
  g_hash_table_iter_init (&it, w->live);
  while (g_hash_table_iter_next (&it, NULL, &m))
    g_ptr_array_add (all, m);
  g_assert_cmpint (rm->n_cells, ==, w->n_cells);
  for (int c = 0; c < w->n_cells; c++)
    {
      double sum = 0;
      int n = 0;

      for (guint i = 0; i < all->len; i++)
        if (!isnan (((float *) all->pdata[i])[c]))
          sum += ((float *) all->pdata[i])[c], n++;
      g_assert_cmpint (rm->count[c], ==, n);
      if (n == 0)
        g_assert_true (isnan (rm->mean[c]));
      else
        g_assert_cmpfloat_with_epsilon (rm->mean[c], sum / n, 1e-5);
      empty += n == 0;
    }
  w->n_partial += empty > 0 && empty < w->n_cells;
}

static void
on_mean_progress (const PlSetProgress *p,
                  gpointer             data)
{
  MeanWatch *w = data;
  const PlSweepProgress *pair = p->pair;
  float *copy = g_hash_table_lookup (w->live, pair->matrix);

  w->n_cells = pair->cells_total;
  if (copy == NULL)
    g_hash_table_insert (w->live, (gpointer) pair->matrix,
                         copy = g_new (float, w->n_cells));
  memcpy (copy, pair->matrix, sizeof (float) * w->n_cells);
  if (pair->cells_done == pair->cells_total)
    {
      g_hash_table_steal (w->live, pair->matrix);
      g_ptr_array_add (w->done, copy);
    }
  g_assert_nonnull (p->running);
  check_running (w, p->running);
  g_free (w->last_mean);
  w->last_mean = g_memdup2 (p->running->mean, sizeof (float) * w->n_cells);
  w->last_ends[0] = p->running->clean_value;
  w->last_ends[1] = p->running->corrupted_value;
}

/* The live figure's labels are the summary's: nothing moves when the sweep ends. */
static void
check_labels (const PlPairSet *set, const PlSetResult *r)
{
  g_autoptr(PlInputs) labels = pl_sweep_set_labels (set);
  const PlInputs *want = r->summary->inputs;

  for (int p = 0; p < want->clean.n_tokens; p++)
    {
      g_assert_cmpstr (labels->clean.pieces[p], ==, want->clean.pieces[p]);
      g_assert_cmpstr (labels->corrupted.pieces[p], ==, want->corrupted.pieces[p]);
    }
  g_assert_cmpstr (labels->clean_answer, ==, want->clean_answer);
  g_assert_cmpstr (labels->corrupted_answer, ==, want->corrupted_answer);
  g_assert_nonnull (strstr (labels->clean.pieces[1], "…"));   /* " Mary" / " Anna" … */
}

/* The running mean, report by report, for a block site (pairs swept together, their
 * cells arriving in turns) and a head site (one pair after another). */
static void
test_running_mean (void)
{
  const PlSite sites[] = { PL_SITE_RESID_POST, PL_SITE_HEAD_OUT };
  g_autoptr(PlPairSet) set = load_set ();

  for (gsize k = 0; k < G_N_ELEMENTS (sites); k++)
    {
      g_autoptr(GError) error = NULL;
      PlSweepOptions opt = PL_SWEEP_OPTIONS_INIT;
      MeanWatch w = { g_hash_table_new_full (NULL, NULL, NULL, g_free),
                      g_ptr_array_new_with_free_func (g_free), 0, 0, NULL, { 0, 0 } };
      g_autoptr(PlSetResult) r = NULL;

      opt.site = sites[k];
      r = pl_sweep_set_run (model, set, &opt, on_mean_progress, &w, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (w.done->len, ==, 3);
      /* Some reports had cells still empty beside filled ones, and were checked. (The
       * head site's four cells of a pair arrive in one report on this tiny model.) */
      if (sites[k] == PL_SITE_RESID_POST)
        g_assert_cmpint (w.n_partial, >, 0);
      for (int c = 0; c < r->n_cells; c++)
        g_assert_cmpfloat_with_epsilon (w.last_mean[c], r->mean[c],
                                        1e-6 * MAX (1.0, fabs (r->mean[c])));
      g_assert_cmpfloat_with_epsilon (w.last_ends[0], r->summary->clean_value, 1e-9);
      g_assert_cmpfloat_with_epsilon (w.last_ends[1], r->summary->corrupted_value, 1e-9);
      check_labels (set, r);
      g_hash_table_unref (w.live);
      g_ptr_array_unref (w.done);
      g_free (w.last_mean);
    }
}

static void
test_cancel (void)
{
  g_autoptr(PlPairSet) set = load_set ();
  PlSweepOptions opt = PL_SWEEP_OPTIONS_INIT;
  int per_pair = N_LAYERS * 14, total = 3 * per_pair;
  /* Before anything runs, then inside the first, second and last pair: a pair reports
   * its first cells (those before the first differing token) before its batch, so a
   * cancel at cell k * per_pair + 1 lands inside pair k. */
  const int cancel_at[] = { 0, 1, per_pair + 1, 2 * per_pair + 1 };

  for (gsize k = 0; k < G_N_ELEMENTS (cancel_at); k++)
    {
      int at = cancel_at[k];
      g_autoptr(GError) error = NULL;
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      Watch w = { 0, 0, at, 0, cancellable };
      g_autoptr(PlSetResult) r = NULL;

      if (at == 0)
        g_cancellable_cancel (cancellable);
      r = pl_sweep_set_run (model, set, &opt, on_progress, &w, cancellable, &error);
      g_assert_null (r);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_assert_cmpint (w.last_done, <, total);
    }
}

int
main (int argc, char **argv)
{
  g_autofree char *dir = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  dir = pl_test_make_model ("tiny", "--layers", "2", "--heads", "2", "--embd", "32",
                            "--seed", "5", NULL);
  model = pl_model_load (dir, &error);
  g_assert_no_error (error);
  g_test_add_func ("/Patchlens/SweepSet/reader", test_reader);
  g_test_add_func ("/Patchlens/SweepSet/progress-and-pairs", test_progress_and_pairs);
  g_test_add_func ("/Patchlens/SweepSet/running-mean", test_running_mean);
  g_test_add_func ("/Patchlens/SweepSet/cancel", test_cancel);
  status = g_test_run ();
  pl_model_free (model);
  return status;
}
