/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-engine.c: the model loader and the sweep, on generated models.
 *
 * Numeric correctness is proven against the numpy reference (check-reference.py); here
 * we check what follows from the maths alone (a patch where both runs agree changes
 * nothing, patching the whole last row restores the clean run), that the fast schedule
 * and the naive one agree, the loader's errors, and cancellation.
 */
#include <gio/gio.h>
#include <math.h>
#include <unistd.h>

#include "pl-error.h"
#include "pl-sweep.h"
#include "pl-test-util.h"

#define CLEAN "Michelle Jones was a top-notch student. Michelle"
#define CORRUPTED "Michelle Smith was a top-notch student. Michelle"

static PlModel *
tiny_model (void)
{
  g_autofree char *dir = pl_test_make_model ("tiny", "--layers", "3", "--heads", "2",
                                             "--embd", "32", "--positions", "64",
                                             "--seed", "7", NULL);
  g_autoptr(GError) error = NULL;
  PlModel *model = pl_model_load (dir, &error);

  g_assert_no_error (error);
  return model;
}

static PlInputs *
michelle (PlModel *model)
{
  g_autoptr(GError) error = NULL;
  PlInputs *in = pl_inputs_prepare (pl_model_tokenizer (model), 64, CLEAN, CORRUPTED,
                                    " Jones", " Smith", &error);
  g_assert_no_error (error);
  return in;
}

static PlSweepResult *
sweep_with (PlModel *model, PlInputs *in, const PlSweepOptions *opt)
{
  g_autoptr(GError) error = NULL;
  PlSweepResult *r = pl_sweep_run (model, in, opt, NULL, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (r);
  return r;
}

static PlSweepResult *
sweep (PlModel *model, PlInputs *in, PlSite site, PlMetric metric, gboolean naive)
{
  PlSweepOptions opt = { site, metric, 10, naive };
  g_autoptr(GError) error = NULL;
  PlSweepResult *r = pl_sweep_run (model, in, &opt, NULL, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (r);
  return r;
}

static void
test_load (void)
{
  g_autoptr(PlModel) model = tiny_model ();
  const PlConfig *cfg = pl_model_config (model);
  guint64 C = 32, V = 50257, P = 64;

  g_assert_cmpint (cfg->n_layer, ==, 3);
  g_assert_cmpint (cfg->n_embd, ==, 32);
  g_assert_cmpstr (pl_model_name (model), ==, "tiny");
  /* wte + wpe + ln_f + 3 blocks of (2 LN + 12 C^2 weights + 9 C biases... exactly:) */
  g_assert_cmpuint (pl_model_n_params (model), ==,
                    V * C + P * C + 2 * C + 3 * (4 * C + C * 3 * C + 3 * C + C * C + C
                                                 + C * 4 * C + 4 * C + 4 * C * C + C));
}

/* Every site, metric and direction, and for head sites both granularities. */
static void
test_fast_equals_naive (void)
{
  g_autoptr(PlModel) model = tiny_model ();
  g_autoptr(PlInputs) in = michelle (model);

  for (int site = 0; site < PL_N_SITES; site++)
    for (int variant = 0; variant < (pl_site_is_head (site) ? 4 : 2); variant++)
    for (int metric = 0; metric < PL_N_METRICS; metric++)
      {
        PlSweepOptions opt = { site, metric, 10, FALSE, variant % 2, variant / 2 };
        g_autoptr(PlSweepResult) fast = sweep_with (model, in, &opt);
        g_autoptr(PlSweepResult) naive = NULL;
        double spread = 0, tol = 1e-4;
        double den = (fast->corrupted_logits[1] - fast->corrupted_logits[0])
                     - (fast->clean_logits[1] - fast->clean_logits[0]);

        /* restored divides by d_corr - d_clean, and so scales fp32 rounding by it */
        if (metric == PL_METRIC_RESTORED)
          tol /= MIN (1.0, fabs (den));
        opt.naive = TRUE;
        naive = sweep_with (model, in, &opt);
        g_assert_cmpuint (pl_sweep_result_n_cells (fast), ==,
                          (gsize) 3 * (pl_site_is_head (site) ? 2 : 1)
                          * (!pl_site_is_head (site) || variant / 2 ? in->clean.n_tokens : 1));
        for (gsize i = 0; i < pl_sweep_result_n_cells (fast); i++)
          {
            g_assert_false (isnan (fast->matrix[i]));
            g_assert_cmpfloat_with_epsilon (fast->matrix[i], naive->matrix[i], tol);
            spread = MAX (spread, fabs (fast->matrix[i] - fast->matrix[0]));
          }
        /* A sweep whose cells are all alike would prove nothing. */
        g_test_message ("%s %s %s%s: spread %g, clean %g, corrupted %g",
                        pl_site_to_string (site), pl_metric_to_string (metric),
                        pl_direction_to_string (opt.direction),
                        opt.by_position ? " by position" : "", spread, fast->clean_value,
                        fast->corrupted_value);
        g_assert_cmpfloat (spread, >, 0.05 * fabs (fast->clean_value - fast->corrupted_value));
        g_assert_cmpfloat (fabs (fast->clean_value - fast->corrupted_value), >, 0);
      }
}

/* Position 0 holds "Michelle" in both prompts: patching it cannot change anything. And
 * patching resid_post of the last block at the last position makes the final row the
 * clean run's. */
static void
test_invariants (void)
{
  g_autoptr(PlModel) model = tiny_model ();
  g_autoptr(PlInputs) in = michelle (model);
  g_autoptr(PlSweepResult) r = sweep (model, in, PL_SITE_RESID_POST, PL_METRIC_LOGIT_DIFF,
                                      FALSE);
  int T = r->n_positions, L = r->n_layers;

  for (int l = 0; l < L; l++)
    g_assert_cmpfloat_with_epsilon (r->matrix[l * T], r->corrupted_value, 1e-5);
  g_assert_cmpfloat_with_epsilon (r->matrix[(L - 1) * T + T - 1], r->clean_value, 1e-5);
  g_assert_cmpfloat (fabs (r->clean_value - r->corrupted_value), >, 1e-3);
  g_assert_cmpint (r->clean_topk->n, ==, 10);
  for (int i = 1; i < r->clean_topk->n; i++)
    g_assert_cmpfloat (r->clean_topk->entries[i - 1].prob, >=, r->clean_topk->entries[i].prob);
}

static void
test_restored_ends (void)
{
  g_autoptr(PlModel) model = tiny_model ();
  g_autoptr(PlInputs) in = michelle (model);
  g_autoptr(PlSweepResult) r = sweep (model, in, PL_SITE_RESID_PRE, PL_METRIC_RESTORED, FALSE);
  int T = r->n_positions;

  g_assert_cmpfloat (r->clean_value, ==, 1.0);
  g_assert_cmpfloat (r->corrupted_value, ==, 0.0);
  /* resid_pre of layer 0 at the differing position is the embedding: patching it makes
   * the whole corrupted run the clean one. */
  g_assert_cmpfloat_with_epsilon (r->matrix[1], 1.0, 1e-3);
  g_assert_cmpfloat_with_epsilon (r->matrix[0], 0.0, 1e-3);
  g_assert_cmpint (T, ==, 11);
}

static void
test_restored_undefined (void)
{
  g_autoptr(PlModel) model = tiny_model ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PlInputs) in = pl_inputs_prepare (pl_model_tokenizer (model), 64, CLEAN, CLEAN,
                                              " Jones", " Smith", &error);
  PlSweepOptions opt = { PL_SITE_RESID_POST, PL_METRIC_RESTORED, 5, FALSE };
  PlSweepResult *r = pl_sweep_run (model, in, &opt, NULL, NULL, NULL, &error);

  g_assert_null (r);
  g_assert_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "undefined"));
}

static void
test_cell_topk (void)
{
  g_autoptr(PlModel) model = tiny_model ();
  g_autoptr(PlInputs) in = michelle (model);
  g_autoptr(PlSweepResult) r = sweep (model, in, PL_SITE_RESID_POST, PL_METRIC_LOGIT_DIFF,
                                      FALSE);
  int L = r->n_layers, T = r->n_positions;
  /* The last block's output at the last position is the clean run's final row. */
  g_autoptr(PlTopK) top = pl_sweep_cell_topk (model, r, L - 1, T - 1, 10);

  for (int i = 0; i < 10; i++)
    {
      g_assert_cmpint (top->entries[i].id, ==, r->clean_topk->entries[i].id);
      g_assert_cmpfloat_with_epsilon (top->entries[i].prob, r->clean_topk->entries[i].prob, 1e-6);
    }
}

/* Head sites: the heatmap's cell (row l H + h, column p) by position. Position 0 is the
 * same token in both prompts, so its cells are the corrupted run; a changed cell's
 * top-k is the same by the fast schedule and by --naive (two routes through block l). */
static void
test_head_cell_topk (void)
{
  g_autoptr(PlModel) model = tiny_model ();
  g_autoptr(PlInputs) in = michelle (model);
  PlSweepOptions opt = { PL_SITE_HEAD_V, PL_METRIC_LOGIT_DIFF, 10, FALSE,
                         PL_DIRECTION_DENOISE, TRUE };
  g_autoptr(PlSweepResult) fast = sweep_with (model, in, &opt);
  g_autoptr(PlSweepResult) naive = NULL;
  int L = fast->n_layers, H = fast->n_heads;

  opt.naive = TRUE;
  naive = sweep_with (model, in, &opt);
  g_assert_cmpint (H, ==, 2);
  for (int row = 0; row < L * H; row++)
    {
      g_autoptr(PlTopK) same = pl_sweep_cell_topk (model, fast, row, 0, 10);
      g_autoptr(PlTopK) a = pl_sweep_cell_topk (model, fast, row, 1, 10);
      g_autoptr(PlTopK) b = pl_sweep_cell_topk (model, naive, row, 1, 10);

      for (int i = 0; i < 10; i++)
        {
          g_assert_cmpint (same->entries[i].id, ==, fast->corrupted_topk->entries[i].id);
          g_assert_cmpint (a->entries[i].id, ==, b->entries[i].id);
          g_assert_cmpfloat_with_epsilon (a->entries[i].logit, b->entries[i].logit, 1e-4);
        }
    }
}

static void
write_config (const char *src, const char *dst, const char *key, const char *value)
{
  g_autofree char *cfg = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GRegex) re = NULL;
  /* key is a regex alternative: "n_positions|n_ctx" changes both. */
  g_autofree char *pattern = g_strdup_printf ("\"(%s)\": *[0-9.e-]+", key);
  g_autofree char *repl = g_strdup_printf ("\"\\1\": %s", value);
  g_autofree char *out = NULL;
  const char *files[] = { "model.safetensors", "vocab.json", "merges.txt" };

  g_autofree char *src_cfg = g_build_filename (src, "config.json", NULL);
  g_autofree char *dst_cfg = g_build_filename (dst, "config.json", NULL);

  g_mkdir_with_parents (dst, 0700);
  g_assert_true (g_file_get_contents (src_cfg, &cfg, NULL, NULL));
  re = g_regex_new (pattern, 0, 0, &error);
  out = g_regex_replace (re, cfg, -1, 0, repl, 0, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (dst_cfg, out, -1, NULL));
  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *a = g_build_filename (src, files[i], NULL);
      g_autofree char *b = g_build_filename (dst, files[i], NULL);
      if (!g_file_test (b, G_FILE_TEST_EXISTS))
        g_assert_cmpint (symlink (a, b), ==, 0);
    }
}

/* A config that disagrees with the weights names the tensor at fault. */
static void
test_bad_model (void)
{
  g_autofree char *dir = pl_test_make_model ("tiny", "--layers", "3", "--heads", "2",
                                             "--embd", "32", "--positions", "64",
                                             "--seed", "7", NULL);
  struct { const char *key, *value, *expect; } cases[] = {
    { "n_layer", "4", "h.3.ln_1.weight" },
    { "n_layer", "2", "h.2." },
    { "n_positions|n_ctx", "128", "wpe.weight" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("bad-%zu", i);
      g_autofree char *bad = g_build_filename (pl_test_tmpdir (), name, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(PlModel) model = NULL;

      write_config (dir, bad, cases[i].key, cases[i].value);
      model = pl_model_load (bad, &error);
      g_assert_null (model);
      g_assert_error (error, PL_ERROR, PL_ERROR_MODEL);
      if (!strstr (error->message, cases[i].expect))
        g_error ("'%s' does not name %s", error->message, cases[i].expect);
    }
}

static void
test_missing_folder (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PlModel) model = pl_model_load ("/nonexistent/gpt2", &error);

  g_assert_null (model);
  g_assert_error (error, PL_ERROR, PL_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/nonexistent/gpt2"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Patchlens/Engine/load", test_load);
  g_test_add_func ("/Patchlens/Engine/fast-equals-naive", test_fast_equals_naive);
  g_test_add_func ("/Patchlens/Engine/invariants", test_invariants);
  g_test_add_func ("/Patchlens/Engine/restored-ends", test_restored_ends);
  g_test_add_func ("/Patchlens/Engine/restored-undefined", test_restored_undefined);
  g_test_add_func ("/Patchlens/Engine/cell-topk", test_cell_topk);
  g_test_add_func ("/Patchlens/Engine/head-cell-topk", test_head_cell_topk);
  g_test_add_func ("/Patchlens/Engine/bad-model", test_bad_model);
  g_test_add_func ("/Patchlens/Engine/missing-folder", test_missing_folder);
  return g_test_run ();
}
