/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-lens-figure.c: heatmaps of the logit lens and of an attention pattern.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>

#include "pl-lens-figure.h"

/* The value each lens cell is coloured by, and the colour bar's label. */
static char *
lens_values (const PlLens *lens, const char * const *answers, float *values)
{
  int L1 = lens->n_layers + 1, T = lens->n_positions;

  for (int r = 0; r < L1; r++)
    for (int t = 0; t < T; t++)
      {
        gsize i = (gsize) r * T + t;
        if (lens->n_answers == 0)
          values[i] = lens->top_prob[i];
        else if (lens->n_answers == 1)
          values[i] = lens->answer_prob[pl_lens_answer_index (lens, 0, r, t)];
        else
          values[i] = lens->answer_logit[pl_lens_answer_index (lens, 1, r, t)]
                      - lens->answer_logit[pl_lens_answer_index (lens, 0, r, t)];
      }
  if (lens->n_answers == 0)
    return g_strdup (_("Probability of the top token"));
  if (lens->n_answers == 1)
    return g_strdup_printf (_("p(%s)"), answers[0]);
  return g_strdup_printf ("logit(%s) − logit(%s)", answers[1], answers[0]);
}

PlHeatmap *
pl_heatmap_new_from_lens (const PlLens       *lens,
                          PlTokenizer        *tok,
                          const char         *model_name,
                          const char * const *answers)
{
  g_return_val_if_fail (lens != NULL && tok != NULL, NULL);
  int L1 = lens->n_layers + 1, T = lens->n_positions;
  PlHeatmap *hm = pl_heatmap_new (L1, T);
  g_autofree float *values = g_new (float, (gsize) L1 * T);
  g_autofree char *label = lens_values (lens, answers, values);

  if (hm == NULL)
    return NULL;
  pl_heatmap_set_values (hm, values);
  for (int t = 0; t < T; t++)
    {
      g_autofree char *piece = pl_tokenizer_piece (tok, lens->ids[t]);
      pl_heatmap_set_col_label (hm, t, piece);
    }
  for (int r = 0; r < L1; r++)
    for (int t = 0; t < T; t++)
      {
        g_autofree char *top = pl_tokenizer_piece (tok, lens->top_id[(gsize) r * T + t]);
        pl_heatmap_set_cell_text (hm, r, t, top);
      }
  pl_heatmap_set_row_label (hm, lens->n_layers, _("out"));
  /* The default row title, "Layer": the title says that row l is the stream entering
   * layer l, and the last row is labelled "out". */
  pl_heatmap_set_value_label (hm, label);
  if (lens->n_answers < 2)
    {
      pl_heatmap_set_colormap (hm, PL_COLORMAP_VIRIDIS);
      pl_heatmap_set_limits (hm, 0, 1);
    }
  g_autofree char *title = model_name && *model_name
    ? g_strdup_printf (_("Logit lens · top token read from the stream entering each layer · %s"), model_name)
    : g_strdup (_("Logit lens · top token read from the stream entering each layer"));
  pl_heatmap_set_title (hm, title);
  return hm;
}

PlHeatmap *
pl_heatmap_new_from_pattern (const float        *pattern,
                             int                 T,
                             const char * const *pieces,
                             int                 layer,
                             int                 head,
                             const char         *model_name)
{
  g_return_val_if_fail (pattern != NULL && pieces != NULL, NULL);
  PlHeatmap *hm = pl_heatmap_new (T, T);

  if (hm == NULL)
    return NULL;
  pl_heatmap_set_values (hm, pattern);
  for (int t = 0; t < T; t++)
    {
      g_autofree char *shown = pl_heatmap_display_token (pieces[t]);

      pl_heatmap_set_col_label (hm, t, pieces[t]);
      pl_heatmap_set_row_label (hm, t, shown);
    }
  pl_heatmap_set_row_title (hm, _("Destination (query)"));
  pl_heatmap_set_col_title (hm, _("Source (key)"));
  pl_heatmap_set_value_label (hm, _("Attention probability"));
  pl_heatmap_set_colormap (hm, PL_COLORMAP_VIRIDIS);
  pl_heatmap_set_limits (hm, 0, 1);
  g_autofree char *title = model_name && *model_name
    ? g_strdup_printf (_("Attention pattern · layer %d, head %d · %s"), layer, head,
                       model_name)
    : g_strdup_printf (_("Attention pattern · layer %d, head %d"), layer, head);
  pl_heatmap_set_title (hm, title);
  return hm;
}
