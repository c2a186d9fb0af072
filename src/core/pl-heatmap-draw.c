/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-heatmap-draw.c: paints the laid-out heatmap figure with cairo (cells, hatching of
 * cells not computed yet, colour bar, ticks, selection, labels). Drawing only paints
 * what pl-heatmap-layout.c placed, so the screen and every export are one drawing.
 */
#include "config.h"

#include "pl-heatmap-private.h"

#include <math.h>

static void
draw_cells (PlHeatmap *hm,
            Figure    *f,
            cairo_t   *cr)
{
  double W = hm->n_cols * f->cw, H = hm->n_rows * f->ch;
  gboolean any_nan = FALSE;

  cairo_save (cr);
  cairo_rectangle (cr, f->gx, f->gy, W, H);
  cairo_clip (cr);
  for (int r = 0; r < hm->n_rows; r++)
    for (int c = 0; c < hm->n_cols; c++)
      {
        double v = hm->values[(gsize) r * hm->n_cols + c], rgb[3];

        if (isnan (v))
          {
            any_nan = TRUE;
            rgb[0] = rgb[1] = rgb[2] = 0.88;
          }
        else
          pl_colormap_eval (hm->cmap, (v - f->vmin) / (f->vmax - f->vmin), rgb);
        cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
        /* Overlap the next cell by half a point: no hairline seams in PDF viewers. */
        cairo_rectangle (cr, f->gx + c * f->cw, f->gy + r * f->ch,
                         f->cw + 0.5, f->ch + 0.5);
        cairo_fill (cr);
      }
  if (any_nan)
    {
      /* One hatch pattern across the grid, clipped to the cells not computed yet. */
      for (int r = 0; r < hm->n_rows; r++)
        for (int c = 0; c < hm->n_cols; c++)
          if (isnan (hm->values[(gsize) r * hm->n_cols + c]))
            cairo_rectangle (cr, f->gx + c * f->cw, f->gy + r * f->ch, f->cw, f->ch);
      cairo_clip (cr);
      cairo_set_source_rgb (cr, 0.68, 0.68, 0.68);
      cairo_set_line_width (cr, 0.7);
      for (double d = -H; d < W; d += 5.0)
        {
          cairo_move_to (cr, f->gx + d, f->gy + H);
          cairo_line_to (cr, f->gx + d + H, f->gy);
        }
      cairo_stroke (cr);
    }
  cairo_restore (cr);
}

/* Each cell's text centred in it, black or white, whichever reads on the cell's colour. */
static void
draw_cell_texts (PlHeatmap *hm,
                 Figure    *f,
                 cairo_t   *cr)
{
  if (hm->cell_texts == NULL)
    return;
  PangoLayout *layout = pango_cairo_create_layout (cr);
  Label l = { .font = FONT_TICK };

  pl_heatmap_setup_pango_context (pango_layout_get_context (layout));
  pango_layout_context_changed (layout);
  for (int r = 0; r < hm->n_rows; r++)
    for (int c = 0; c < hm->n_cols; c++)
      {
        const char *text = hm->cell_texts[(gsize) r * hm->n_cols + c];
        double v = hm->values[(gsize) r * hm->n_cols + c], rgb[3] = { 0.88, 0.88, 0.88 };
        PangoRectangle ext;

        if (text == NULL || *text == '\0')
          continue;
        if (!isnan (v))
          pl_colormap_eval (hm->cmap, (v - f->vmin) / (f->vmax - f->vmin), rgb);
        /* Relative luminance (Rec. 709): white text on dark cells. */
        double lum = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
        l.text = (char *) text;
        pl_heatmap_setup_layout (layout, &l, hm->font_scale);
        pango_layout_get_extents (layout, NULL, &ext);
        cairo_set_source_rgb (cr, lum < 0.45 ? 1 : 0, lum < 0.45 ? 1 : 0, lum < 0.45 ? 1 : 0);
        cairo_move_to (cr,
                       f->gx + (c + 0.5) * f->cw - (ext.x + ext.width / 2.0) / PANGO_SCALE,
                       f->gy + (r + 0.5) * f->ch - (ext.y + ext.height / 2.0) / PANGO_SCALE);
        pango_cairo_show_layout (cr, layout);
      }
  g_object_unref (layout);
}

static void
draw_selection (PlHeatmap *hm,
                Figure    *f,
                cairo_t   *cr)
{
  if (hm->sel_row < 0 || hm->sel_col < 0)
    return;
  double x = f->gx + hm->sel_col * f->cw, y = f->gy + hm->sel_row * f->ch;

  /* A thick line in the text colour with a thin contrasting one inside: visible on
   * dark red, white and grey cells alike. */
  cairo_set_line_width (cr, 2.0);
  cairo_set_source_rgb (cr, hm->fg[0], hm->fg[1], hm->fg[2]);
  cairo_rectangle (cr, x + 1, y + 1, f->cw - 2, f->ch - 2);
  cairo_stroke (cr);
  cairo_set_line_width (cr, 1.0);
  cairo_set_source_rgb (cr, 1 - hm->fg[0], 1 - hm->fg[1], 1 - hm->fg[2]);
  cairo_rectangle (cr, x + 2.5, y + 2.5, f->cw - 5, f->ch - 5);
  cairo_stroke (cr);
}

static void
draw_colorbar (PlHeatmap *hm,
               Figure    *f,
               cairo_t   *cr)
{
  guint n;
  const PlColormapStop *s = pl_colormap_get_stops (hm->cmap, &n);
  cairo_pattern_t *p = cairo_pattern_create_linear (0, f->cby + f->cbh, 0, f->cby);

  for (guint i = 0; i < n; i++)
    cairo_pattern_add_color_stop_rgb (p, s[i].t, s[i].r, s[i].g, s[i].b);
  cairo_rectangle (cr, f->cbx, f->cby, f->cbw, f->cbh);
  cairo_set_source (cr, p);
  cairo_fill (cr);
  cairo_pattern_destroy (p);
}

static void
draw_labels (PlHeatmap *hm,
             Figure    *f,
             cairo_t   *cr)
{
  for (guint i = 0; i < f->labels->len; i++)
    {
      const Label *l = &g_array_index (f->labels, Label, i);
      PangoLayout *layout = pango_cairo_create_layout (cr);

      pl_heatmap_setup_pango_context (pango_layout_get_context (layout));
      pango_layout_context_changed (layout);
      pl_heatmap_setup_layout (layout, l, hm->font_scale);
      cairo_save (cr);
      cairo_translate (cr, l->ax, l->ay);
      cairo_rotate (cr, l->angle);
      cairo_move_to (cr, l->lx - l->ox, l->ly - l->oy);
      pango_cairo_show_layout (cr, layout);
      cairo_restore (cr);
      g_object_unref (layout);
    }
}

void
pl_heatmap_draw (PlHeatmap *hm,
                 cairo_t   *cr)
{
  g_return_if_fail (hm != NULL && cr != NULL);
  Figure *f = pl_heatmap_ensure_layout (hm);

  cairo_save (cr);
  draw_cells (hm, f, cr);
  draw_cell_texts (hm, f, cr);
  draw_colorbar (hm, f, cr);

  cairo_set_source_rgb (cr, hm->fg[0], hm->fg[1], hm->fg[2]);
  cairo_set_line_width (cr, 0.8);
  cairo_rectangle (cr, f->gx, f->gy, hm->n_cols * f->cw, hm->n_rows * f->ch);
  cairo_rectangle (cr, f->cbx, f->cby, f->cbw, f->cbh);
  for (guint i = 0; i < f->ticks->len; i++)
    {
      const Box *b = &g_array_index (f->ticks, Box, i);
      cairo_move_to (cr, b->x0, b->y0);
      cairo_line_to (cr, b->x1, b->y1);
    }
  cairo_stroke (cr);
  draw_selection (hm, f, cr);
  cairo_set_source_rgb (cr, hm->fg[0], hm->fg[1], hm->fg[2]);
  draw_labels (hm, f, cr);
  cairo_restore (cr);
}
