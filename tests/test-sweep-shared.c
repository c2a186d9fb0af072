/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-sweep-shared.c: patches before the first differing token cost no patched run.
 *
 * GPT-2 is causal, so at every position before the first one where the prompts' token
 * ids differ (d) both runs have the same activations: a patch there writes what is
 * already there. The fast schedule gives such a cell the base run's metric (the
 * corrupted run's when denoising, the clean run's when noising) with no patched run and
 * counts it in cells_skipped. Checked here, on a pair with d = 3: every block site and
 * two head sites by position, both directions, by the single-pair route and with small
 * batches (the path without the first pass); each pair of a set swept together, with
 * its own d; and a pair with d = 0, where nothing is skipped. Every cell equals the
 * --naive sweep's (which runs every patch), and every progress report's filled cells
 * are its cells_done, as the GUI draws them. check-reference.py compares the same
 * cells with the numpy reference.
 */
#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "pl-pair-set.h"
#include "pl-sweep-private.h"   /* pl_sweep_run_many, to see each pair's cells_skipped */
#include "pl-sweep-set.h"
#include "pl-test-util.h"

#define N_LAYERS 3
#define N_HEADS 2
#define MARY_JOHN "When Mary and John went to the store, John gave a drink to"   /* 14 tokens */
#define MARY_PAUL "When Mary and Paul went to the store, Paul gave a drink to"   /* d = 3 */
#define JOHN_MARY "When John and Mary went to the store, Mary gave a drink to"   /* d = 1 */
#define THEN_MARY "Then Mary and John went to the store, John gave a drink to"   /* d = 0 */

static PlModel *model;

static PlInputs *
pair (const char *corrupted, int d)
{
  g_autoptr(GError) error = NULL;
  PlInputs *in = pl_inputs_prepare (pl_model_tokenizer (model), 64, MARY_JOHN, corrupted,
                                    " John", " Mary", &error);
  int p = 0;

  g_assert_no_error (error);
  while (p < in->clean.n_tokens && in->clean.ids[p] == in->corrupted.ids[p])
    p++;
  g_assert_cmpint (p, ==, d);   /* the premise of each case */
  return in;
}

/* Every report's filled cells are the cells it says are done. */
static void
on_progress (const PlSweepProgress *p,
             gpointer               data)
{
  const PlSweepResult *shape = data;
  int filled = 0;

  for (gsize i = 0; i < pl_sweep_result_n_cells (shape); i++)
    filled += !isnan (p->matrix[i]);
  g_assert_cmpint (filled, ==, p->cells_done);
  g_assert_cmpint (p->cells_total, ==, (int) pl_sweep_result_n_cells (shape));
}

static PlSweepResult *
sweep (const PlInputs *in, const PlSweepOptions *opt, const PlSweepResult *shape)
{
  g_autoptr(GError) error = NULL;
  PlSweepResult *r = pl_sweep_run (model, in, opt, shape ? on_progress : NULL,
                                   (gpointer) shape, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (r);
  return r;
}

static int
cell_position (const PlSweepResult *r, gsize cell)
{
  if (!pl_site_is_head (r->site))
    return (int) (cell % r->n_positions);
  g_assert_true (r->by_position);
  return (int) (cell / r->n_heads % r->n_positions);
}

static double
base_value (const PlSweepResult *r)
{
  return r->direction == PL_DIRECTION_NOISE ? r->clean_value : r->corrupted_value;
}

/* The fast result r against the naive one: cells before d are the base run's metric
 * (bit for bit: the same float logits through the same formula; prob-diff's
 * normalisers come from products of other sizes), every cell is naive's, and some cell
 * from d on differs from the base run, so the skip is not the whole story. */
static void
check_cells (const PlSweepResult *r, const PlSweepResult *naive, int d)
{
  double tol = r->metric == PL_METRIC_PROB_DIFF ? 1e-6 : 0, moved = 0;

  for (gsize i = 0; i < pl_sweep_result_n_cells (r); i++)
    {
      g_assert_cmpfloat_with_epsilon (r->matrix[i], naive->matrix[i], 1e-4);
      if (cell_position (r, i) < d)
        g_assert_cmpfloat (fabs (r->matrix[i] - (float) base_value (r)), <=, tol);
      else
        moved = MAX (moved, fabs (r->matrix[i] - base_value (r)));
    }
  g_assert_cmpfloat (moved, >, 0.05 * fabs (r->clean_value - r->corrupted_value));
  g_assert_cmpint (naive->cells_skipped, ==, 0);
}

/* Sweeps in with opt fast (with the default batches and with batches too small for the
 * first pass) and naive; checks the cells and that at least min_skipped (exactly, when
 * exact) ran nothing. */
static void
check_sweep (const PlInputs *in, PlSweepOptions opt, int d, int min_skipped, gboolean exact)
{
  g_autoptr(PlSweepResult) naive = NULL;

  opt.naive = TRUE;
  naive = sweep (in, &opt, NULL);
  opt.naive = FALSE;
  for (int small = 0; small < 2; small++)
    {
      g_autoptr(PlSweepResult) r = NULL;

      if (small)   /* T = 14 rows: the unpatched runs (2T) alone, then the patched runs */
        g_setenv ("PATCHLENS_SWEEP_BATCH_ROWS", "14", TRUE);
      r = sweep (in, &opt, naive);
      g_unsetenv ("PATCHLENS_SWEEP_BATCH_ROWS");
      g_test_message ("%s%s %s %s: %d of %zu cells skipped", pl_site_to_string (opt.site),
                      opt.by_position ? " by position" : "",
                      pl_direction_to_string (opt.direction),
                      pl_metric_to_string (opt.metric), r->cells_skipped,
                      pl_sweep_result_n_cells (r));
      check_cells (r, naive, d);
      if (exact)
        g_assert_cmpint (r->cells_skipped, ==, min_skipped);
      else
        g_assert_cmpint (r->cells_skipped, >=, min_skipped);
    }
}

/* Block sites: the L x d cells before d. resid_pre also skips layer 0's later shared
 * tokens (a patched embedding equal to the base one), so only "at least" there. */
static void
test_blocks (void)
{
  g_autoptr(PlInputs) in = pair (MARY_PAUL, 3);

  for (int site = 0; site < PL_N_BLOCK_SITES; site++)
    for (int direction = 0; direction < PL_N_DIRECTIONS; direction++)
      for (int m = 0; m < 2; m++)
        {
          PlSweepOptions opt = { site, m ? PL_METRIC_PROB_DIFF : PL_METRIC_LOGIT_DIFF, 5,
                                 FALSE, direction, FALSE };

          check_sweep (in, opt, 3, N_LAYERS * 3, site != PL_SITE_RESID_PRE);
        }
}

/* Head sites by position: the L x d x H cells before d. At all positions a patch is not
 * tied to one position: nothing is skipped. */
static void
test_heads_by_position (void)
{
  g_autoptr(PlInputs) in = pair (MARY_PAUL, 3);
  const PlSite sites[] = { PL_SITE_HEAD_OUT, PL_SITE_HEAD_K };

  for (gsize s = 0; s < G_N_ELEMENTS (sites); s++)
    for (int direction = 0; direction < PL_N_DIRECTIONS; direction++)
      {
        PlSweepOptions opt = { sites[s], PL_METRIC_LOGIT_DIFF, 5, FALSE, direction, TRUE };
        g_autoptr(PlSweepResult) all = NULL;

        /* head_k at layer 0 also skips the later shared tokens' keys (equal bits) */
        check_sweep (in, opt, 3, N_LAYERS * 3 * N_HEADS, sites[s] == PL_SITE_HEAD_OUT);
        opt.by_position = FALSE;
        all = sweep (in, &opt, NULL);
        g_assert_cmpint (all->cells_skipped, ==, 0);
      }
}

/* d = 0: no position is shared, nothing is skipped, and the patches at position 0
 * change the result. */
static void
test_nothing_shared (void)
{
  g_autoptr(PlInputs) in = pair (THEN_MARY, 0);
  const PlSweepOptions opts[] = {
    { PL_SITE_RESID_POST, PL_METRIC_LOGIT_DIFF, 5, FALSE, PL_DIRECTION_DENOISE, FALSE },
    { PL_SITE_RESID_POST, PL_METRIC_LOGIT_DIFF, 5, FALSE, PL_DIRECTION_NOISE, FALSE },
    { PL_SITE_HEAD_OUT, PL_METRIC_LOGIT_DIFF, 5, FALSE, PL_DIRECTION_DENOISE, TRUE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (opts); i++)
    {
      g_autoptr(PlSweepResult) r = NULL;
      double moved = 0;

      check_sweep (in, opts[i], 0, 0, TRUE);
      r = sweep (in, &opts[i], NULL);
      for (gsize c = 0; c < pl_sweep_result_n_cells (r); c++)
        if (cell_position (r, c) == 0)
          moved = MAX (moved, fabs (r->matrix[c] - base_value (r)));
      g_assert_cmpfloat (moved, >, 0.05 * fabs (r->clean_value - r->corrupted_value));
    }
}

/* A set: three pairs swept together, each skipping the cells before its own d (3, 1,
 * 0), with the numbers of their single-pair sweeps; then the same through the set API. */
static void
test_set (void)
{
  g_autoptr(PlInputs) a = pair (MARY_PAUL, 3);
  g_autoptr(PlInputs) b = pair (JOHN_MARY, 1);
  g_autoptr(PlInputs) c = pair (THEN_MARY, 0);
  const PlInputs *const in[] = { a, b, c };
  const int d[] = { 3, 1, 0 };

  for (int direction = 0; direction < PL_N_DIRECTIONS; direction++)
    {
      PlSweepOptions opt = { PL_SITE_RESID_POST, PL_METRIC_LOGIT_DIFF, 5, FALSE, direction,
                             FALSE };
      PlSweepResult *r[3] = { NULL };
      g_autoptr(GError) error = NULL;
      int failed;

      g_assert_cmpint (pl_sweep_pairs_per_batch (model, a->clean.n_tokens, &opt), >=, 3);
      g_assert_true (pl_sweep_run_many (model, in, 3, &opt, NULL, NULL, NULL, r, &failed,
                                        &error));
      g_assert_no_error (error);
      for (int i = 0; i < 3; i++)
        {
          PlSweepOptions naive_opt = opt;
          g_autoptr(PlSweepResult) naive = NULL;

          naive_opt.naive = TRUE;
          naive = sweep (in[i], &naive_opt, NULL);
          check_cells (r[i], naive, d[i]);
          g_assert_cmpint (r[i]->cells_skipped, ==, N_LAYERS * d[i]);
          pl_sweep_result_free (r[i]);
        }
    }
}

/* The set API's per-pair matrices and values: the cells before each pair's d are its
 * base run's metric; the set's progress shows each pair's cells as done. */
static void
on_set_progress (const PlSetProgress *p,
                 gpointer             data)
{
  int filled = 0;

  for (int i = 0; i < p->pair->cells_total; i++)
    filled += !isnan (p->pair->matrix[i]);
  g_assert_cmpint (filled, ==, p->pair->cells_done);
  (*(int *) data)++;
}

static void
test_set_api (void)
{
  static const char text[] =
    "{\"clean\": \"" MARY_JOHN "\", \"corrupted\": \"" MARY_PAUL "\", "
    "\"clean_answer\": \" John\", \"corrupted_answer\": \" Mary\"}\n"
    "{\"clean\": \"" MARY_JOHN "\", \"corrupted\": \"" JOHN_MARY "\", "
    "\"clean_answer\": \" John\", \"corrupted_answer\": \" Mary\"}\n"
    "{\"clean\": \"" MARY_JOHN "\", \"corrupted\": \"" THEN_MARY "\", "
    "\"clean_answer\": \" John\", \"corrupted_answer\": \" Mary\"}\n";
  const int d[] = { 3, 1, 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(PlPairSet) set = pl_pair_set_parse (pl_model_tokenizer (model), 64, text,
                                                strlen (text), "set.jsonl", &error);

  g_assert_no_error (error);
  for (int direction = 0; direction < PL_N_DIRECTIONS; direction++)
    {
      PlSweepOptions opt = { PL_SITE_MLP_OUT, PL_METRIC_RESTORED, 5, FALSE, direction,
                             FALSE };
      int calls = 0;
      g_autoptr(PlSetResult) r = pl_sweep_set_run (model, set, &opt, on_set_progress,
                                                   &calls, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpint (calls, >=, 3);
      for (int i = 0; i < 3; i++)
        {
          const PlSetPair *sp = &r->pairs[i];
          float base = direction == PL_DIRECTION_NOISE ? sp->clean_value : sp->corrupted_value;

          for (int cell = 0; cell < r->n_cells; cell++)
            if (cell % r->summary->n_positions < d[i])
              g_assert_cmpfloat (r->matrices[(gsize) i * r->n_cells + cell], ==, base);
        }
    }
}

int
main (int argc, char **argv)
{
  g_autofree char *dir = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  dir = pl_test_make_model ("shared", "--layers", "3", "--heads", "2", "--embd", "32",
                            "--positions", "64", "--seed", "11", NULL);
  model = pl_model_load (dir, &error);
  g_assert_no_error (error);
  g_test_add_func ("/Patchlens/SweepShared/blocks", test_blocks);
  g_test_add_func ("/Patchlens/SweepShared/heads-by-position", test_heads_by_position);
  g_test_add_func ("/Patchlens/SweepShared/nothing-shared", test_nothing_shared);
  g_test_add_func ("/Patchlens/SweepShared/set", test_set);
  g_test_add_func ("/Patchlens/SweepShared/set-api", test_set_api);
  status = g_test_run ();
  pl_model_free (model);
  return status;
}
