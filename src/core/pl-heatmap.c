/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-heatmap.c: the patching heatmap object: construction (also from a sweep result),
 * setters, geometry queries and the PNG/SVG/PDF export.
 *
 * The layout lives in pl-heatmap-layout.c and the painting in pl-heatmap-draw.c; every
 * setter here that can move a label drops the layout, which is recomputed lazily.
 */
#include "config.h"

#include "pl-heatmap-private.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "pl-error.h"
#include "pl-result-io.h"

/* A token as a tick label: leading spaces as ␣ (GPT-2 tokens carry the space of the
 * word they start), line breaks as ⏎ and tabs as ⇥ so every token is visible. */
static char *
display_token (const char *piece)
{
  GString *s = g_string_new (NULL);
  const char *p = piece;

  for (; *p == ' '; p++)
    g_string_append (s, "␣");
  for (; *p; p++)
    {
      if (*p == '\n')
        g_string_append (s, "⏎");
      else if (*p == '\r')
        g_string_append (s, "␍");
      else if (*p == '\t')
        g_string_append (s, "⇥");
      else
        g_string_append_c (s, *p);
    }
  return g_string_free (s, FALSE);
}

/* ---- construction and setters ---- */

PlHeatmap *
pl_heatmap_new (int n_rows,
                int n_cols)
{
  g_return_val_if_fail (n_rows > 0 && n_cols > 0, NULL);
  g_return_val_if_fail (n_rows <= (1 << 20) / n_cols, NULL);
  PlHeatmap *hm = g_new0 (PlHeatmap, 1);

  hm->n_rows = n_rows;
  hm->n_cols = n_cols;
  hm->values = g_new (float, (gsize) n_rows * n_cols);
  for (gsize i = 0; i < (gsize) n_rows * n_cols; i++)
    hm->values[i] = NAN;
  hm->col_labels = g_new0 (char *, n_cols + 1);
  hm->row_labels = g_new0 (char *, n_rows + 1);
  hm->row_title = g_strdup (_("Layer"));
  hm->col_title = g_strdup (_("Position (token)"));
  hm->cmap = PL_COLORMAP_DIVERGING;
  hm->range[0] = hm->range[1] = NAN;
  hm->font_scale = 1.0;
  hm->sel_row = hm->sel_col = -1;
  hm->limits[0] = hm->limits[1] = NAN;
  return hm;
}

/* Column c labelled with position c's token: the patched run's, and where the other
 * run's differs both ("␣Jones/␣Smith", clean first). */
static void
label_positions (PlHeatmap *hm, const PlInputs *in)
{
  for (int c = 0; c < hm->n_cols; c++)
    {
      const char *corr = c < in->corrupted.n_tokens ? in->corrupted.pieces[c] : "";
      const char *clean = c < in->clean.n_tokens ? in->clean.pieces[c] : corr;
      g_autofree char *label = NULL;

      if (g_strcmp0 (clean, corr) != 0)
        {
          g_autofree char *a = display_token (clean), *b = display_token (corr);
          label = g_strdup_printf ("%s/%s", a, b);   /* "␣Jones/␣Smith" */
        }
      else
        label = g_strdup (corr);
      pl_heatmap_set_col_label (hm, c, label);
    }
}

/* Head sites. At all positions: layer × head, heads along the x axis like the layers'
 * positions. By position the result is (layer, position, head); we draw it as
 * TransformerLens users plot it (ARENA's exercises: rearrange "layer pos head ->
 * (layer head) pos"): one row per head "l.h", grouped by layer, against the positions
 * with their tokens. One grid keeps one colour scale for every head, so heads compare at
 * a glance, which separate small multiples would not; and the positions keep their
 * token labels. */
static PlHeatmap *
new_for_heads (const PlSweepResult *r)
{
  int L = r->n_layers, H = r->n_heads, T = r->n_positions;
  PlHeatmap *hm = pl_heatmap_new (r->by_position ? L * H : L, r->by_position ? T : H);

  if (hm == NULL)
    return NULL;
  if (!r->by_position)
    {
      pl_heatmap_set_values (hm, r->matrix);
      for (int h = 0; h < H; h++)
        {
          g_autofree char *label = g_strdup_printf ("%d", h);
          pl_heatmap_set_col_label (hm, h, label);
        }
      pl_heatmap_set_col_title (hm, _("Head"));
      return hm;
    }
  for (int l = 0; l < L; l++)
    for (int h = 0; h < H; h++)
      {
        g_autofree char *label = g_strdup_printf ("%d.%d", l, h);

        pl_heatmap_set_row_label (hm, l * H + h, label);
        for (int p = 0; p < T; p++)   /* (l, p, h) to row l H + h, column p */
          hm->values[(gsize) (l * H + h) * T + p] =
            r->matrix ? r->matrix[((gsize) l * T + p) * H + h] : NAN;
      }
  pl_heatmap_set_row_title (hm, _("Layer.head"));
  label_positions (hm, r->inputs);
  return hm;
}

PlHeatmap *
pl_heatmap_new_from_result (const PlSweepResult *result)
{
  g_return_val_if_fail (result != NULL && result->inputs != NULL, NULL);
  const PlInputs *in = result->inputs;
  gboolean heads = pl_site_is_head (result->site);
  PlHeatmap *hm = heads ? new_for_heads (result)
                        : pl_heatmap_new (result->n_layers, result->n_positions);

  if (hm == NULL)
    return NULL;
  if (!heads)
    {
      pl_heatmap_set_values (hm, result->matrix);
      label_positions (hm, in);
    }
  g_autofree char *what = heads && result->by_position
                          ? g_strdup_printf ("%s %s", pl_site_to_string (result->site),
                                             _("by position"))
                          : g_strdup (pl_site_to_string (result->site));
  g_autofree char *site = result->direction == PL_DIRECTION_NOISE
                          ? g_strdup_printf ("%s, %s", what, _("noising"))
                          : g_strdup (what);
  g_autofree char *title = NULL;
  if (result->model_name && *result->model_name)
    title = g_strdup_printf (_("Activation patching · %s · %s"), site, result->model_name);
  else
    title = g_strdup_printf (_("Activation patching · %s"), site);
  pl_heatmap_set_title (hm, title);
  /* The answers as the axis shows tokens (␣ for a space): "logit(␣Smith) − logit(␣Jones)". */
  g_autofree char *shown_a = display_token (in->clean_answer ? in->clean_answer : "");
  g_autofree char *shown_b = display_token (in->corrupted_answer ? in->corrupted_answer : "");
  g_autofree char *value_label = pl_metric_describe_in (result->metric, result->direction,
                                                        shown_a, shown_b);
  pl_heatmap_set_value_label (hm, value_label);
  if (isfinite (result->clean_value) && isfinite (result->corrupted_value))
    pl_heatmap_include_range (hm, result->clean_value, result->corrupted_value);
  return hm;
}

void
pl_heatmap_free (PlHeatmap *hm)
{
  if (hm == NULL)
    return;
  /* Labels may be NULL anywhere, where g_strfreev would stop: entries first. */
  for (int c = 0; c < hm->n_cols; c++)
    g_clear_pointer (&hm->col_labels[c], g_free);
  for (int r = 0; r < hm->n_rows; r++)
    g_clear_pointer (&hm->row_labels[r], g_free);
  for (gsize i = 0; hm->cell_texts && i < (gsize) hm->n_rows * hm->n_cols; i++)
    g_free (hm->cell_texts[i]);
  g_free (hm->cell_texts);
  pl_heatmap_invalidate (hm);
  g_free (hm->values);
  g_strfreev (hm->col_labels);
  g_strfreev (hm->row_labels);
  g_free (hm->title);
  g_free (hm->value_label);
  g_free (hm->row_title);
  g_free (hm->col_title);
  g_free (hm);
}

void
pl_heatmap_set_value (PlHeatmap *hm,
                      int        row,
                      int        col,
                      float      value)
{
  g_return_if_fail (hm != NULL);
  g_return_if_fail (row >= 0 && row < hm->n_rows && col >= 0 && col < hm->n_cols);
  hm->values[(gsize) row * hm->n_cols + col] = value;
  pl_heatmap_invalidate (hm);   /* the colour limits, hence the colour bar's ticks, may move */
}

void
pl_heatmap_set_values (PlHeatmap   *hm,
                       const float *matrix)
{
  g_return_if_fail (hm != NULL);
  gsize n = (gsize) hm->n_rows * hm->n_cols;

  if (matrix)
    memcpy (hm->values, matrix, n * sizeof (float));
  else
    for (gsize i = 0; i < n; i++)
      hm->values[i] = NAN;
  pl_heatmap_invalidate (hm);
}

/* Replaces *field by a valid-UTF-8 copy of s (Pango refuses anything else). */
static void
set_text (PlHeatmap  *hm,
          char      **field,
          const char *s)
{
  g_free (*field);
  *field = s ? g_utf8_make_valid (s, -1) : NULL;
  pl_heatmap_invalidate (hm);
}

void
pl_heatmap_set_col_label (PlHeatmap  *hm,
                          int         col,
                          const char *label)
{
  g_return_if_fail (hm != NULL && col >= 0 && col < hm->n_cols);
  g_autofree char *valid = label ? g_utf8_make_valid (label, -1) : NULL;

  set_text (hm, &hm->col_labels[col], NULL);
  hm->col_labels[col] = valid ? display_token (valid) : NULL;
}

void
pl_heatmap_set_row_label (PlHeatmap  *hm,
                          int         row,
                          const char *label)
{
  g_return_if_fail (hm != NULL && row >= 0 && row < hm->n_rows);
  set_text (hm, &hm->row_labels[row], label);
}

void
pl_heatmap_set_title (PlHeatmap  *hm,
                      const char *title)
{
  g_return_if_fail (hm != NULL);
  set_text (hm, &hm->title, title);
}

const char *
pl_heatmap_get_title (PlHeatmap *hm)
{
  g_return_val_if_fail (hm != NULL, NULL);
  return hm->title;
}

void
pl_heatmap_set_value_label (PlHeatmap  *hm,
                            const char *label)
{
  g_return_if_fail (hm != NULL);
  set_text (hm, &hm->value_label, label);
}

void
pl_heatmap_set_row_title (PlHeatmap  *hm,
                          const char *title)
{
  g_return_if_fail (hm != NULL);
  set_text (hm, &hm->row_title, title);
}

void
pl_heatmap_set_col_title (PlHeatmap  *hm,
                          const char *title)
{
  g_return_if_fail (hm != NULL);
  set_text (hm, &hm->col_title, title);
}

void
pl_heatmap_include_range (PlHeatmap *hm,
                          double     a,
                          double     b)
{
  g_return_if_fail (hm != NULL && isfinite (a) && isfinite (b));
  hm->range[0] = MIN (a, b);
  hm->range[1] = MAX (a, b);
  pl_heatmap_invalidate (hm);
}

void
pl_heatmap_set_colormap (PlHeatmap  *hm,
                         PlColormap  cmap)
{
  g_return_if_fail (hm != NULL);
  hm->cmap = cmap == PL_COLORMAP_VIRIDIS ? PL_COLORMAP_VIRIDIS : PL_COLORMAP_DIVERGING;
  pl_heatmap_invalidate (hm);
}

void
pl_heatmap_set_limits (PlHeatmap *hm,
                       double     vmin,
                       double     vmax)
{
  g_return_if_fail (hm != NULL);
  g_return_if_fail ((isnan (vmin) && isnan (vmax)) || vmin < vmax);
  hm->limits[0] = vmin;
  hm->limits[1] = vmax;
  pl_heatmap_invalidate (hm);
}

void
pl_heatmap_set_cell_text (PlHeatmap  *hm,
                          int         row,
                          int         col,
                          const char *text)
{
  g_return_if_fail (hm != NULL);
  g_return_if_fail (row >= 0 && row < hm->n_rows && col >= 0 && col < hm->n_cols);
  g_autofree char *valid = text ? g_utf8_make_valid (text, -1) : NULL;
  g_autofree char *shown = valid ? display_token (valid) : NULL;

  if (hm->cell_texts == NULL)
    hm->cell_texts = g_new0 (char *, (gsize) hm->n_rows * hm->n_cols);
  if (shown && g_utf8_strlen (shown, -1) > 12)
    {
      *g_utf8_offset_to_pointer (shown, 11) = '\0';
      char *cut = g_strconcat (shown, "…", NULL);
      g_free (shown);
      shown = cut;
    }
  set_text (hm, &hm->cell_texts[(gsize) row * hm->n_cols + col], NULL);
  hm->cell_texts[(gsize) row * hm->n_cols + col] = g_steal_pointer (&shown);
}

void
pl_heatmap_set_font_scale (PlHeatmap *hm,
                           double     scale)
{
  g_return_if_fail (hm != NULL);
  g_return_if_fail (scale >= 0.25 && scale <= 8.0);
  hm->font_scale = scale;
  pl_heatmap_invalidate (hm);
}

void
pl_heatmap_set_selection (PlHeatmap *hm,
                          int        row,
                          int        col)
{
  g_return_if_fail (hm != NULL);
  if (row < 0 || col < 0 || row >= hm->n_rows || col >= hm->n_cols)
    row = col = -1;
  hm->sel_row = row;
  hm->sel_col = col;
}

void
pl_heatmap_set_foreground (PlHeatmap *hm,
                           double r, double g, double b)
{
  g_return_if_fail (hm != NULL);
  hm->fg[0] = CLAMP (r, 0.0, 1.0);
  hm->fg[1] = CLAMP (g, 0.0, 1.0);
  hm->fg[2] = CLAMP (b, 0.0, 1.0);
}

/* ---- geometry ---- */

int
pl_heatmap_get_n_rows (PlHeatmap *hm)
{
  g_return_val_if_fail (hm != NULL, 0);
  return hm->n_rows;
}

int
pl_heatmap_get_n_cols (PlHeatmap *hm)
{
  g_return_val_if_fail (hm != NULL, 0);
  return hm->n_cols;
}

void
pl_heatmap_get_size (PlHeatmap *hm,
                     double    *width,
                     double    *height)
{
  g_return_if_fail (hm != NULL);
  Figure *f = pl_heatmap_ensure_layout (hm);

  if (width)
    *width = f->width;
  if (height)
    *height = f->height;
}

void
pl_heatmap_get_grid_rect (PlHeatmap *hm,
                          double *x, double *y, double *w, double *h)
{
  g_return_if_fail (hm != NULL);
  Figure *f = pl_heatmap_ensure_layout (hm);

  if (x)
    *x = f->gx;
  if (y)
    *y = f->gy;
  if (w)
    *w = hm->n_cols * f->cw;
  if (h)
    *h = hm->n_rows * f->ch;
}

gboolean
pl_heatmap_hit_test (PlHeatmap *hm,
                     double     x,
                     double     y,
                     int       *row,
                     int       *col)
{
  g_return_val_if_fail (hm != NULL, FALSE);
  Figure *f = pl_heatmap_ensure_layout (hm);
  double c = floor ((x - f->gx) / f->cw), r = floor ((y - f->gy) / f->ch);

  if (!(c >= 0 && c < hm->n_cols && r >= 0 && r < hm->n_rows))
    return FALSE;
  if (row)
    *row = (int) r;
  if (col)
    *col = (int) c;
  return TRUE;
}

/* ---- export ---- */

static void
draw_for_export (cairo_t *cr,
                 gpointer data)
{
  PlHeatmap *hm = data;
  double fg[3] = { hm->fg[0], hm->fg[1], hm->fg[2] };

  pl_heatmap_set_foreground (hm, 0, 0, 0);   /* black on white whatever the theme */
  pl_heatmap_draw (hm, cr);
  pl_heatmap_set_foreground (hm, fg[0], fg[1], fg[2]);
}

gboolean
pl_heatmap_export (PlHeatmap      *hm,
                   PlFigureFormat  format,
                   const char     *path,
                   double          scale,
                   GError        **error)
{
  g_return_val_if_fail (hm != NULL && path != NULL, FALSE);
  double w, h;

  pl_heatmap_get_size (hm, &w, &h);
  return pl_figure_export (draw_for_export, hm, w, h, hm->title, format, path, scale,
                           error);
}

char *
pl_heatmap_display_token (const char *piece)
{
  g_return_val_if_fail (piece != NULL, NULL);
  g_autofree char *valid = g_utf8_make_valid (piece, -1);

  return display_token (valid);
}
