/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-sweep-set.c: the set sweep's own contract, beyond its numbers (which
 * check-pairs.py proves against numpy): progress counts the cells of all pairs and only
 * moves forward; cancelling at any cell returns NULL with G_IO_ERROR_CANCELLED (under
 * ASan, without a leak); the per-pair matrices are the single-pair sweep's (to fp32
 * rounding: see test_progress_and_pairs); the
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
  g_test_add_func ("/Patchlens/SweepSet/cancel", test_cancel);
  status = g_test_run ();
  pl_model_free (model);
  return status;
}
