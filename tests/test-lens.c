/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-lens.c: the core's logit lens, attention patterns and direct logit attribution:
 * the contract with the model's own output (bitwise), the attribution's sum, every
 * error, and their figures on every surface. Numeric agreement with the numpy
 * reference is check-lens.py's.
 */
#include <glib/gstdio.h>
#include <math.h>

#include "pl-attention-pattern.h"
#include "pl-attribution-figure.h"
#include "pl-error.h"
#include "pl-inputs.h"
#include "pl-lens-figure.h"
#include "pl-sweep.h"
#include "pl-test-util.h"

#define MICHELLE "Michelle Jones was a top-notch student. Michelle"
static const gint32 JONES = 5437, SMITH = 4176;

static PlModel *
tiny_model (void)
{
  g_autofree char *dir = pl_test_make_model ("tiny", "--layers", "3", "--heads", "4",
                                             "--embd", "32", "--positions", "64",
                                             "--seed", "9", NULL);
  g_autoptr(GError) error = NULL;
  PlModel *model = pl_model_load (dir, &error);

  g_assert_no_error (error);
  return model;
}

static void
michelle (PlModel *model, PlPrompt *p)
{
  g_autoptr(GError) error = NULL;

  pl_prompt_init (p, pl_model_tokenizer (model), MICHELLE, "text", 64, &error);
  g_assert_no_error (error);
}

/* Row L at the last position is the model's own next-token prediction, bit for bit. */
static void
test_lens_output_row (void)
{
  g_autoptr(PlModel) model = tiny_model ();
  g_autoptr(GError) error = NULL;
  PlPrompt p = { 0 };
  gint32 answers[] = { JONES, SMITH };
  int V = pl_model_config (model)->vocab_size;
  g_autofree float *logits = g_new (float, V);

  michelle (model, &p);
  g_autoptr(PlLens) lens = pl_lens_run (model, p.ids, p.n_tokens, answers, 2, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (lens->n_layers, ==, 3);
  g_assert_cmpint (lens->n_positions, ==, p.n_tokens);
  g_assert_true (pl_model_last_logits (model, p.ids, p.n_tokens, logits, &error));
  g_autoptr(PlTopK) top = pl_topk_from_logits (logits, V, 1, NULL);
  gsize last = (gsize) 3 * p.n_tokens + p.n_tokens - 1;
  g_assert_cmpint (lens->top_id[last], ==, top->entries[0].id);
  g_assert_true (lens->top_prob[last] == top->entries[0].prob);
  for (int a = 0; a < 2; a++)
    g_assert_true (lens->answer_logit[pl_lens_answer_index (lens, a, 3, p.n_tokens - 1)]
                   == logits[answers[a]]);
  /* Every cell is a probability, and the top one is at least the answers'. */
  for (gsize i = 0; i < (gsize) 4 * p.n_tokens; i++)
    {
      g_assert_true (lens->top_prob[i] > 0 && lens->top_prob[i] <= 1);
      g_assert_true (lens->top_prob[i] >= lens->answer_prob[i] - 1e-12);
    }
  pl_prompt_clear (&p);
}

static void
test_attribution_sum (void)
{
  g_autoptr(PlModel) model = tiny_model ();
  g_autoptr(GError) error = NULL;
  PlPrompt p = { 0 };
  g_autofree float *logits = g_new (float, pl_model_config (model)->vocab_size);

  michelle (model, &p);
  g_autoptr(PlAttribution) at = pl_attribution_run (model, p.ids, p.n_tokens, JONES,
                                                    SMITH, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (pl_model_last_logits (model, p.ids, p.n_tokens, logits, &error));
  g_assert_true (at->logit_diff == (double) logits[SMITH] - logits[JONES]);
  g_assert_cmpfloat_with_epsilon (pl_attribution_total (at), at->logit_diff, 1e-4);
  g_assert_cmpint (at->n_layers, ==, 3);
  g_assert_cmpint (at->n_heads, ==, 4);
  pl_prompt_clear (&p);
}

static void
test_pattern_rows (void)
{
  g_autoptr(PlModel) model = tiny_model ();
  g_autoptr(GError) error = NULL;
  PlPrompt p = { 0 };

  michelle (model, &p);
  int T = p.n_tokens;
  g_autofree float *pat = pl_attention_pattern (model, p.ids, T, 2, 3, NULL, &error);
  g_assert_no_error (error);
  for (int d = 0; d < T; d++)
    {
      double sum = 0;
      for (int s = 0; s < T; s++)
        {
          if (s > d)
            g_assert_true (pat[d * T + s] == 0.0f);
          sum += pat[d * T + s];
        }
      g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-5);
    }
  g_assert_true (pat[0] == 1.0f);
  pl_prompt_clear (&p);
}

static void
test_errors (void)
{
  g_autoptr(PlModel) model = tiny_model ();
  gint32 ids[65] = { 0 }, bad[] = { 1, 50257 }, bad_answer = -1;
  GError *error = NULL;

  g_assert_null (pl_attention_pattern (model, ids, 3, 3, 0, NULL, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "0 to 2"));
  g_clear_error (&error);
  g_assert_null (pl_attention_pattern (model, ids, 3, 0, 4, NULL, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (pl_lens_run (model, ids, 0, NULL, 0, NULL, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_EMPTY);
  g_clear_error (&error);
  g_assert_null (pl_lens_run (model, ids, 65, NULL, 0, NULL, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_TOO_LONG);
  g_clear_error (&error);
  g_assert_null (pl_lens_run (model, bad, 2, NULL, 0, NULL, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (pl_lens_run (model, ids, 2, &bad_answer, 1, NULL, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (pl_attribution_run (model, ids, 2, 0, 50257, NULL, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
}

static void
test_cancelled (void)
{
  g_autoptr(PlModel) model = tiny_model ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  gint32 ids[] = { 1, 2, 3 };
  GError *error = NULL;

  g_cancellable_cancel (cancellable);
  g_assert_null (pl_lens_run (model, ids, 3, NULL, 0, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_null (pl_attention_pattern (model, ids, 3, 1, 1, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_null (pl_attribution_run (model, ids, 3, 4, 5, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
}

static void
export_all (const char *name, gboolean (*export) (gpointer, PlFigureFormat, const char *,
                                                  double, GError **), gpointer fig)
{
  static const char *ext[] = { "png", "svg", "pdf" };

  for (int f = PL_FIGURE_PNG; f <= PL_FIGURE_PDF; f++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *base = g_strdup_printf ("%s.%s", name, ext[f]);
      g_autofree char *path = g_build_filename (pl_test_tmpdir (), base, NULL);
      g_autofree char *data = NULL;
      gsize len = 0;

      g_assert_true (export (fig, f, path, 1.0, &error));
      g_assert_no_error (error);
      g_assert_true (g_file_get_contents (path, &data, &len, NULL));
      g_assert_cmpuint (len, >, 1000);
    }
}

static gboolean
export_heatmap (gpointer hm, PlFigureFormat f, const char *path, double s, GError **e)
{
  return pl_heatmap_export (hm, f, path, s, e);
}

static gboolean
export_attribution (gpointer fig, PlFigureFormat f, const char *path, double s, GError **e)
{
  return pl_attribution_figure_export (fig, f, path, s, e);
}

static void
test_figures (void)
{
  g_autoptr(PlModel) model = tiny_model ();
  g_autoptr(GError) error = NULL;
  PlPrompt p = { 0 };
  gint32 answers[] = { JONES, SMITH };
  const char *texts[] = { " Jones", " Smith" };
  double w1, h1, w2, h2;

  michelle (model, &p);
  for (int n = 0; n <= 2; n++)
    {
      g_autoptr(PlLens) lens = pl_lens_run (model, p.ids, p.n_tokens, answers, n, NULL, &error);
      g_autoptr(PlHeatmap) hm = pl_heatmap_new_from_lens (lens, pl_model_tokenizer (model),
                                                          "tiny", texts);
      g_autofree char *name = g_strdup_printf ("lens-%d", n);
      g_assert_cmpint (pl_heatmap_get_n_rows (hm), ==, 4);
      export_all (name, export_heatmap, hm);
    }
  g_autofree float *pat = pl_attention_pattern (model, p.ids, p.n_tokens, 0, 0, NULL, &error);
  g_autoptr(PlHeatmap) att = pl_heatmap_new_from_pattern (pat, p.n_tokens,
                                                          (const char * const *) p.pieces,
                                                          0, 0, "tiny");
  export_all ("attention", export_heatmap, att);

  /* A long cell text is cut, so the cells do not grow without bound. */
  pl_heatmap_get_size (att, &w1, &h1);
  pl_heatmap_set_cell_text (att, 0, 0, "short");
  pl_heatmap_get_size (att, &w2, &h2);
  pl_heatmap_set_cell_text (att, 0, 0, "an extremely long token text that would not fit");
  double w3;
  pl_heatmap_get_size (att, &w3, NULL);
  g_assert_cmpfloat (w3, >=, w2);
  g_assert_cmpfloat (w3, <, w2 * 2.5);

  g_autoptr(PlAttribution) at = pl_attribution_run (model, p.ids, p.n_tokens, JONES, SMITH,
                                                    NULL, &error);
  g_autoptr(PlAttributionFigure) fig = pl_attribution_figure_new (at, " Jones", " Smith",
                                                                  "tiny");
  pl_attribution_figure_get_size (fig, &w1, &h1);
  g_assert_cmpfloat (w1, >, 300);
  g_assert_cmpfloat (h1, >, 100);
  export_all ("attribution", export_attribution, fig);
  /* The head under a point of the figure, through the heads' heatmap. */
  double gx, gy, gw, gh;
  int row, col;
  PlHeatmap *heads = pl_attribution_figure_get_heatmap (fig);
  pl_heatmap_get_grid_rect (heads, &gx, &gy, &gw, &gh);
  g_assert_true (pl_heatmap_hit_test (heads, gx + gw - 1, gy + gh - 1, &row, &col));
  g_assert_cmpint (row, ==, 2);
  g_assert_cmpint (col, ==, 3);
  pl_prompt_clear (&p);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Patchlens/Lens/output-row", test_lens_output_row);
  g_test_add_func ("/Patchlens/Lens/attribution-sum", test_attribution_sum);
  g_test_add_func ("/Patchlens/Lens/pattern-rows", test_pattern_rows);
  g_test_add_func ("/Patchlens/Lens/errors", test_errors);
  g_test_add_func ("/Patchlens/Lens/cancelled", test_cancelled);
  g_test_add_func ("/Patchlens/Lens/figures", test_figures);
  int ret = g_test_run ();
  pl_figure_free_font_caches ();
  return ret;
}
