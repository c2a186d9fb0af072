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

#include <cairo-pdf.h>
#include <cairo-svg.h>
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
  hm->row_title = g_strdup (_("Layer"));
  hm->col_title = g_strdup (_("Position (token)"));
  hm->cmap = PL_COLORMAP_DIVERGING;
  hm->range[0] = hm->range[1] = NAN;
  hm->font_scale = 1.0;
  hm->sel_row = hm->sel_col = -1;
  return hm;
}

PlHeatmap *
pl_heatmap_new_from_result (const PlSweepResult *result)
{
  g_return_val_if_fail (result != NULL && result->inputs != NULL, NULL);
  const PlInputs *in = result->inputs;
  PlHeatmap *hm = pl_heatmap_new (result->n_layers, result->n_positions);

  if (hm == NULL)
    return NULL;
  pl_heatmap_set_values (hm, result->matrix);
  for (int c = 0; c < result->n_positions; c++)
    {
      /* The corrupted run is the one patched; where the clean one differs, show both. */
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
  g_autofree char *title = NULL;
  if (result->model_name && *result->model_name)
    title = g_strdup_printf (_("Activation patching · %s · %s"),
                             pl_site_to_string (result->site), result->model_name);
  else
    title = g_strdup_printf (_("Activation patching · %s"),
                             pl_site_to_string (result->site));
  pl_heatmap_set_title (hm, title);
  /* The answers as the axis shows tokens (␣ for a space): "logit(␣Smith) − logit(␣Jones)". */
  g_autofree char *shown_a = display_token (in->clean_answer ? in->clean_answer : "");
  g_autofree char *shown_b = display_token (in->corrupted_answer ? in->corrupted_answer : "");
  g_autofree char *value_label = pl_metric_describe (result->metric, shown_a, shown_b);
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
  pl_heatmap_invalidate (hm);
  g_free (hm->values);
  g_strfreev (hm->col_labels);
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
pl_heatmap_set_title (PlHeatmap  *hm,
                      const char *title)
{
  g_return_if_fail (hm != NULL);
  set_text (hm, &hm->title, title);
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

static cairo_status_t
append_to_buffer (void                *closure,
                  const unsigned char *data,
                  unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

/* The figure on a white page: one drawing whatever the surface. */
static cairo_status_t
render_page (PlHeatmap       *hm,
             cairo_surface_t *surface,
             double           scale)
{
  cairo_t *cr = cairo_create (surface);
  double fg[3] = { hm->fg[0], hm->fg[1], hm->fg[2] };

  cairo_scale (cr, scale, scale);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  pl_heatmap_set_foreground (hm, 0, 0, 0);   /* black on white whatever the theme */
  pl_heatmap_draw (hm, cr);
  pl_heatmap_set_foreground (hm, fg[0], fg[1], fg[2]);
  cairo_status_t status = cairo_status (cr);
  cairo_destroy (cr);
  return status;
}

/* Renders the figure into bytes in the given format. */
static GByteArray *
render_figure (PlHeatmap      *hm,
               PlFigureFormat  format,
               double          scale,
               GError        **error)
{
  double w, h;
  GByteArray *buf = g_byte_array_new ();
  cairo_surface_t *s = NULL;
  cairo_status_t status;

  pl_heatmap_get_size (hm, &w, &h);
  if (format == PL_FIGURE_PNG)
    {
      s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, (int) ceil (w * scale),
                                      (int) ceil (h * scale));
      status = render_page (hm, s, scale);
      if (status == CAIRO_STATUS_SUCCESS)
        status = cairo_surface_write_to_png_stream (s, append_to_buffer, buf);
    }
  else
    {
      if (format == PL_FIGURE_SVG)
        s = cairo_svg_surface_create_for_stream (append_to_buffer, buf, w, h);
      else
        {
          s = cairo_pdf_surface_create_for_stream (append_to_buffer, buf, w, h);
          cairo_pdf_surface_set_metadata (s, CAIRO_PDF_METADATA_CREATOR, "Patchlens");
          if (hm->title)
            cairo_pdf_surface_set_metadata (s, CAIRO_PDF_METADATA_TITLE, hm->title);
        }
      status = render_page (hm, s, 1.0);
      cairo_surface_finish (s);
      if (status == CAIRO_STATUS_SUCCESS)
        status = cairo_surface_status (s);
    }
  cairo_surface_destroy (s);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_IO, _("Could not draw the figure: %s"),
                   cairo_status_to_string (status));
      g_byte_array_unref (buf);
      return NULL;
    }
  return buf;
}

gboolean
pl_heatmap_export (PlHeatmap      *hm,
                   PlFigureFormat  format,
                   const char     *path,
                   double          scale,
                   GError        **error)
{
  g_return_val_if_fail (hm != NULL && path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  double w, h;

  if (format == PL_FIGURE_PNG)
    {
      pl_heatmap_get_size (hm, &w, &h);
      /* cairo's image surfaces stop at 32767 pixels a side. */
      if (!(scale > 0) || ceil (w * scale) > 32767 || ceil (h * scale) > 32767)
        {
          g_set_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
                       _("Cannot write “%s” at scale %g: a %.0f × %.0f point figure "
                         "would exceed 32767 pixels a side."), path, scale, w, h);
          return FALSE;
        }
    }
  else if (format != PL_FIGURE_SVG && format != PL_FIGURE_PDF)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
                   _("Unknown figure format for “%s”."), path);
      return FALSE;
    }

  g_autoptr(GByteArray) buf = render_figure (hm, format, scale, error);
  if (buf == NULL)
    return FALSE;
  return pl_write_file_atomic (path, (const char *) buf->data, buf->len, error);
}

gboolean
pl_figure_format_from_path (const char     *path,
                            PlFigureFormat *format)
{
  g_return_val_if_fail (path != NULL, FALSE);
  g_autofree char *lower = g_ascii_strdown (path, -1);
  PlFigureFormat f;

  if (g_str_has_suffix (lower, ".png"))
    f = PL_FIGURE_PNG;
  else if (g_str_has_suffix (lower, ".svg"))
    f = PL_FIGURE_SVG;
  else if (g_str_has_suffix (lower, ".pdf"))
    f = PL_FIGURE_PDF;
  else
    return FALSE;
  if (format)
    *format = f;
  return TRUE;
}
