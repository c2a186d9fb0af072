/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-sweep-batches.c: the fast schedule's paths that only long prompts or large sets
 * take on real models, forced on a tiny model by small batches
 * (PATCHLENS_SWEEP_BATCH_ROWS): the unpatched runs alone when the first pass has no
 * room, and patched runs left for later batches after it. Every block site, both
 * directions: the matrix equals the naive sweep's (to fp32 rounding), for a single pair
 * and for each pair of a set swept together.
 */
#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "pl-pair-set.h"
#include "pl-sweep-set.h"
#include "pl-test-util.h"

static const char set_text[] =
  "{\"clean\": \"When Mary and John went to the store, John gave a drink to\", "
  "\"corrupted\": \"When John and Mary went to the store, Mary gave a drink to\", "
  "\"clean_answer\": \" Mary\", \"corrupted_answer\": \" John\"}\n"
  "{\"clean\": \"When Anna and Paul went to the park, Paul gave a book to\", "
  "\"corrupted\": \"When Paul and Anna went to the park, Anna gave a book to\", "
  "\"clean_answer\": \" Anna\", \"corrupted_answer\": \" Paul\"}\n";

static PlModel *model;

/* Batch sizes in rows: at least one run (T), too small for the first pass (2T), the
 * first pass and a few runs, and the default. */
static const char *const batch_rows[] = { "1", "40", "100", NULL };

static PlSweepResult *
sweep (const PlInputs *in, const PlSweepOptions *opt)
{
  g_autoptr(GError) error = NULL;
  PlSweepResult *r = pl_sweep_run (model, in, opt, NULL, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (r);
  return r;
}

static void
assert_close (const float *a, const float *b, gsize n)
{
  for (gsize i = 0; i < n; i++)
    g_assert_cmpfloat_with_epsilon (a[i], b[i], 1e-4);
}

static void
test_batches (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PlPairSet) set = pl_pair_set_parse (pl_model_tokenizer (model), 64, set_text,
                                                strlen (set_text), "set.jsonl", &error);

  g_assert_no_error (error);
  for (int site = 0; site < PL_N_SITES; site++)
    for (int direction = 0; direction < PL_N_DIRECTIONS && !pl_site_is_head (site);
         direction++)
      {
        PlSweepOptions opt = PL_SWEEP_OPTIONS_INIT;
        PlSweepResult *naive[2];

        opt.site = site;
        opt.direction = direction;
        opt.naive = TRUE;
        g_unsetenv ("PATCHLENS_SWEEP_BATCH_ROWS");
        for (int i = 0; i < 2; i++)
          naive[i] = sweep (set->pairs[i], &opt);
        opt.naive = FALSE;
        for (int k = 0; k < (int) G_N_ELEMENTS (batch_rows); k++)
          {
            g_autoptr(PlSweepResult) one = NULL;
            g_autoptr(PlSetResult) both = NULL;
            gsize n = pl_sweep_result_n_cells (naive[0]);

            if (batch_rows[k])
              g_setenv ("PATCHLENS_SWEEP_BATCH_ROWS", batch_rows[k], TRUE);
            else
              g_unsetenv ("PATCHLENS_SWEEP_BATCH_ROWS");
            one = sweep (set->pairs[0], &opt);
            assert_close (one->matrix, naive[0]->matrix, n);
            both = pl_sweep_set_run (model, set, &opt, NULL, NULL, NULL, &error);
            g_assert_no_error (error);
            for (int i = 0; i < 2; i++)
              assert_close (both->matrices + (gsize) i * n, naive[i]->matrix, n);
          }
        for (int i = 0; i < 2; i++)
          pl_sweep_result_free (naive[i]);
      }
  g_unsetenv ("PATCHLENS_SWEEP_BATCH_ROWS");
}

int
main (int argc, char **argv)
{
  g_autofree char *dir = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  dir = pl_test_make_model ("batches", "--layers", "3", "--heads", "2", "--embd", "32",
                            "--seed", "9", NULL);
  model = pl_model_load (dir, &error);
  g_assert_no_error (error);
  g_test_add_func ("/Patchlens/SweepBatches/block-sites", test_batches);
  status = g_test_run ();
  pl_model_free (model);
  return status;
}
