/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-heatmap-layout.c: where everything in the heatmap figure goes.
 *
 * A layout pass measures every label with Pango and places it around the grid in
 * "grid space" (the grid's top-left corner at 0,0); the figure is then the union of all
 * those boxes plus a margin, so no label can be clipped. Text is measured with unhinted
 * metrics so a label has the same size on a zoomed screen, in a PNG and in a PDF.
 */
#include "config.h"

#include "pl-heatmap-private.h"

#include <math.h>

/* Points at font_scale 1, as a matplotlib figure at its default rc. */
static const double font_sizes[] = { 9.0, 11.0, 13.0 };

/* ---- text ---- */

/* Unhinted metrics and unrounded glyph positions: the size measured once is the size
 * drawn on any surface at any zoom. */
void
pl_heatmap_setup_pango_context (PangoContext *ctx)
{
  cairo_font_options_t *opts = cairo_font_options_create ();

  cairo_font_options_set_hint_metrics (opts, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style (opts, CAIRO_HINT_STYLE_NONE);
  pango_cairo_context_set_font_options (ctx, opts);
  cairo_font_options_destroy (opts);
  pango_context_set_round_glyph_positions (ctx, FALSE);
}

void
pl_heatmap_setup_layout (PangoLayout *layout,
                         const Label *l,
                         double       font_scale)
{
  PangoFontDescription *desc = pango_font_description_from_string ("Sans");

  pango_font_description_set_absolute_size (desc,
      font_sizes[l->font] * font_scale * PANGO_SCALE);
  pango_layout_set_font_description (layout, desc);
  pango_font_description_free (desc);
  if (l->wrap > 0)
    {
      pango_layout_set_width (layout, (int) (l->wrap * PANGO_SCALE));
      pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
      pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
    }
  pango_layout_set_text (layout, l->text, -1);
}

/* A label with its measured size; the caller places it (angle, anchor, lx, ly). */
static Label
measure_label (PangoContext *ctx,
               double        font_scale,
               const char   *text,
               FontKind      font,
               double        wrap)
{
  Label l = { 0 };
  PangoRectangle logical;
  PangoLayout *layout = pango_layout_new (ctx);

  l.text = g_strdup (text);
  l.font = font;
  l.wrap = wrap;
  pl_heatmap_setup_layout (layout, &l, font_scale);
  pango_layout_get_extents (layout, NULL, &logical);
  l.ox = (double) logical.x / PANGO_SCALE;
  l.oy = (double) logical.y / PANGO_SCALE;
  l.w = (double) logical.width / PANGO_SCALE;
  l.h = (double) logical.height / PANGO_SCALE;
  g_object_unref (layout);
  return l;
}

static Box
label_box (const Label *l)
{
  double c = cos (l->angle), s = sin (l->angle);
  double xs[2] = { l->lx, l->lx + l->w }, ys[2] = { l->ly, l->ly + l->h };
  Box b = { INFINITY, INFINITY, -INFINITY, -INFINITY };

  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++)
      {
        double x = l->ax + xs[i] * c - ys[j] * s;
        double y = l->ay + xs[i] * s + ys[j] * c;
        b.x0 = MIN (b.x0, x);
        b.y0 = MIN (b.y0, y);
        b.x1 = MAX (b.x1, x);
        b.y1 = MAX (b.y1, y);
      }
  return b;
}

static void
box_union (Box       *u,
           const Box *b)
{
  u->x0 = MIN (u->x0, MIN (b->x0, b->x1));
  u->y0 = MIN (u->y0, MIN (b->y0, b->y1));
  u->x1 = MAX (u->x1, MAX (b->x0, b->x1));
  u->y1 = MAX (u->y1, MAX (b->y0, b->y1));
}

/* ---- colour bar ticks ---- */

/* At most max_n round values (steps 1, 2, 2.5, 5 times a power of ten) in [lo, hi], as
 * matplotlib's MaxNLocator picks them. Returns the count; *step gets the spacing. */
static int
nice_ticks (double  lo,
            double  hi,
            int     max_n,
            double *out,     /* (16) */
            double *step)
{
  static const double mult[] = { 1, 2, 2.5, 5, 10 };
  double span = hi - lo;
  double mag = pow (10, floor (log10 (span / max_n)));
  int n = 0;

  *step = 10 * mag;
  for (guint i = 0; i < G_N_ELEMENTS (mult); i++)
    if (span / (mult[i] * mag) <= max_n)
      {
        *step = mult[i] * mag;
        break;
      }
  double first = ceil (lo / *step - 1e-9);
  for (int i = 0; n < 16; i++)
    {
      double v = (first + i) * *step;
      if (v > hi + 1e-9 * *step)
        break;
      out[n++] = fabs (v) < 1e-9 * *step ? 0 : v;
    }
  return n;
}

/* "−2.5": as many decimals as the step needs, and a real minus sign. */
static char *
format_tick (double v,
             double step)
{
  int d = 0;

  while (d < 12 && fabs (step * pow (10, d) - round (step * pow (10, d))) > 1e-6)
    d++;
  return g_strdup_printf ("%s%.*f", v < 0 ? "−" : "", d, fabs (v));
}

/* ---- layout ---- */

static void
figure_free (Figure *f)
{
  if (f == NULL)
    return;
  for (guint i = 0; i < f->labels->len; i++)
    g_free (g_array_index (f->labels, Label, i).text);
  g_array_unref (f->labels);
  g_array_unref (f->ticks);
  g_free (f);
}

static void
add_tick (Figure *f,
          double x0, double y0, double x1, double y1)
{
  Box b = { x0, y0, x1, y1 };

  g_array_append_val (f->ticks, b);
}

/* Union of the boxes of labels [from, to). */
static Box
labels_box (Figure *f,
            guint   from,
            guint   to)
{
  Box u = { INFINITY, INFINITY, -INFINITY, -INFINITY };

  for (guint i = from; i < to; i++)
    {
      Box b = label_box (&g_array_index (f->labels, Label, i));
      box_union (&u, &b);
    }
  return u;
}

/* Rows: layer numbers right-aligned left of the grid, every step-th row if the text
 * is taller than a row. Returns the left edge of the labels. */
static double
layout_rows (PlHeatmap    *hm,
             Figure       *f,
             PangoContext *ctx,
             double        line_h,
             double        tick_len,
             double        pad)
{
  int step = 1;
  guint first = f->labels->len;

  while (step * f->ch < line_h * 1.05)
    step++;
  for (int r = 0; r < hm->n_rows; r += step)
    {
      g_autofree char *text = g_strdup_printf ("%d", r);
      Label l = measure_label (ctx, hm->font_scale, text, FONT_TICK, 0);
      double y = (r + 0.5) * f->ch;

      l.ax = -tick_len - pad;
      l.ay = y;
      l.lx = -l.w;
      l.ly = -l.h / 2;
      g_array_append_val (f->labels, l);
      add_tick (f, -tick_len, y, 0, y);
    }
  return labels_box (f, first, f->labels->len).x0;
}

/* Columns: one label per position under the grid, horizontal when the widest fits in a
 * (possibly widened) cell, else at 45 degrees (or 90 when cells are too narrow for
 * slanted lines not to touch). Decides f->cw. Returns the labels' bottom edge. */
static double
layout_cols (PlHeatmap    *hm,
             Figure       *f,
             PangoContext *ctx,
             double        cell,
             double        line_h,
             double        tick_len,
             double        pad)
{
  guint first = f->labels->len;
  double max_w = 0, angle = 0, H = hm->n_rows * f->ch;

  for (int c = 0; c < hm->n_cols; c++)
    {
      Label l = measure_label (ctx, hm->font_scale,
                               hm->col_labels[c] ? hm->col_labels[c] : "",
                               FONT_TICK, 0);
      max_w = MAX (max_w, l.w);
      g_array_append_val (f->labels, l);
    }
  f->cw = cell;
  if (max_w + 2 * pad <= 2.0 * cell)
    f->cw = MAX (cell, max_w + 2 * pad);
  else if (cell * G_SQRT2 / 2 >= line_h * 1.1)
    angle = -G_PI / 4;
  else
    angle = -G_PI / 2;

  for (int c = 0; c < hm->n_cols; c++)
    {
      Label *l = &g_array_index (f->labels, Label, first + c);
      double x = (c + 0.5) * f->cw;

      l->angle = angle;
      l->ax = x;
      l->ay = H + tick_len + pad;
      l->lx = angle == 0 ? -l->w / 2 : -l->w;   /* rotated: the token ends at its tick */
      l->ly = angle == 0 ? 0 : -l->h / 2;
      l->ay += l->ay - label_box (l).y0;        /* top edge just under the tick */
      add_tick (f, x, H, x, H + tick_len);
    }
  if (hm->n_cols == 0)
    return H + tick_len;
  return labels_box (f, first, f->labels->len).y1;
}

/* The colour bar right of the grid, its ticks and its (wrapped, vertical) label.
 * Returns the box of the colour bar and its texts. */
static Box
layout_colorbar (PlHeatmap    *hm,
                 Figure       *f,
                 PangoContext *ctx,
                 double        line_h,
                 double        tick_len,
                 double        pad)
{
  double fs = hm->font_scale, ticks[16], step;
  guint first = f->labels->len;

  f->cbx = hm->n_cols * f->cw + 12 * fs;
  f->cby = 0;
  f->cbw = 12 * fs;
  f->cbh = MAX (hm->n_rows * f->ch, 100 * fs);

  int max_n = CLAMP ((int) (f->cbh / (2.5 * line_h)), 2, 9);
  int n = nice_ticks (f->vmin, f->vmax, max_n, ticks, &step);
  /* A short bar (four layers or fewer) may fit only a "0": a scale needs three. */
  while (n < 3 && max_n < 9)
    n = nice_ticks (f->vmin, f->vmax, ++max_n, ticks, &step);
  double right = f->cbx + f->cbw + tick_len;
  /* Room for a typical tick label and half a line beyond each end of the bar, whatever
   * the values: the live figure, whose range grows as cells arrive, keeps its size. */
  {
    Label typical = measure_label (ctx, fs, "−0.00", FONT_TICK, 0);
    right = MAX (right, right + pad + typical.w);
    g_free (typical.text);
  }
  for (int i = 0; i < n; i++)
    {
      double y = f->cby + f->cbh * (f->vmax - ticks[i]) / (f->vmax - f->vmin);
      g_autofree char *text = format_tick (ticks[i], step);
      Label l = measure_label (ctx, fs, text, FONT_TICK, 0);

      add_tick (f, f->cbx + f->cbw, y, f->cbx + f->cbw + tick_len, y);
      l.ax = f->cbx + f->cbw + tick_len + pad;
      l.ay = y;
      l.ly = -l.h / 2;
      g_array_append_val (f->labels, l);
      right = MAX (right, label_box (&l).x1);
    }
  if (hm->value_label && *hm->value_label)
    {
      Label l = measure_label (ctx, fs, hm->value_label, FONT_AXIS, f->cbh);

      l.angle = -G_PI / 2;
      l.lx = -l.w / 2;
      l.ly = -l.h / 2;
      l.ax = right + 2 * pad + l.h / 2;
      l.ay = f->cby + f->cbh / 2;
      g_array_append_val (f->labels, l);
    }
  Box u = labels_box (f, first, f->labels->len);
  Box bar = { f->cbx, f->cby - line_h / 2, f->cbx + f->cbw, f->cby + f->cbh + line_h / 2 };
  box_union (&u, &bar);
  return u;
}

/* From grid space (grid at 0,0) to figure space. */
static void
figure_translate (Figure *f,
                  double  dx,
                  double  dy)
{
  for (guint i = 0; i < f->labels->len; i++)
    {
      Label *l = &g_array_index (f->labels, Label, i);
      l->ax += dx;
      l->ay += dy;
    }
  for (guint i = 0; i < f->ticks->len; i++)
    {
      Box *b = &g_array_index (f->ticks, Box, i);
      b->x0 += dx, b->x1 += dx, b->y0 += dy, b->y1 += dy;
    }
  f->gx += dx;
  f->gy += dy;
  f->cbx += dx;
  f->cby += dy;
}

static Figure *
figure_layout (PlHeatmap *hm)
{
  Figure *f = g_new0 (Figure, 1);
  double fs = hm->font_scale;
  double tick_len = 3.5 * fs, pad = 3.0 * fs, margin = 8.0 * fs;
  PangoContext *ctx = pango_font_map_create_context (pango_cairo_font_map_get_default ());

  pl_heatmap_setup_pango_context (ctx);
  f->labels = g_array_new (FALSE, TRUE, sizeof (Label));
  f->ticks = g_array_new (FALSE, TRUE, sizeof (Box));
  pl_colormap_limits (hm->cmap, hm->values, (gsize) hm->n_rows * hm->n_cols,
                      &f->vmin, &f->vmax);
  if (isfinite (hm->range[0]))   /* the unpatched runs' ends, symmetric if diverging */
    {
      double m = MAX (fabs (hm->range[0]), fabs (hm->range[1]));
      f->vmin = hm->cmap == PL_COLORMAP_DIVERGING ? MIN (f->vmin, -m) : MIN (f->vmin, hm->range[0]);
      f->vmax = hm->cmap == PL_COLORMAP_DIVERGING ? MAX (f->vmax, m) : MAX (f->vmax, hm->range[1]);
    }

  Label probe = measure_label (ctx, fs, "0", FONT_TICK, 0);
  double line_h = probe.h;
  g_free (probe.text);

  /* Square cells, large for a small grid, never too small for one label per row. */
  double cell = MAX (CLAMP (360.0 / MAX (hm->n_rows, hm->n_cols), 18.0, 34.0),
                     1.35 * line_h);
  f->ch = cell;
  double rows_left = layout_rows (hm, f, ctx, line_h, tick_len, pad);
  double cols_bottom = layout_cols (hm, f, ctx, cell, line_h, tick_len, pad);
  double W = hm->n_cols * f->cw, H = hm->n_rows * f->ch;
  Box cb = layout_colorbar (hm, f, ctx, line_h, tick_len, pad);

  if (hm->row_title && *hm->row_title)
    {
      Label l = measure_label (ctx, fs, hm->row_title, FONT_AXIS, 0);
      l.angle = -G_PI / 2;
      l.lx = -l.w / 2;
      l.ly = -l.h / 2;
      l.ax = rows_left - 2 * pad - l.h / 2;
      l.ay = l.w <= H ? H / 2 : H - l.w / 2;   /* never down among the column labels */
      g_array_append_val (f->labels, l);
    }
  if (hm->col_title && *hm->col_title)
    {
      Label l = measure_label (ctx, fs, hm->col_title, FONT_AXIS, 0);
      l.lx = -l.w / 2;
      l.ax = W / 2;
      l.ay = cols_bottom + 2 * pad;
      if (l.ax + l.w / 2 > f->cbx - pad)       /* it reaches under the colour bar */
        l.ay = MAX (l.ay, cb.y1 + 2 * pad);
      g_array_append_val (f->labels, l);
    }

  Box u = labels_box (f, 0, f->labels->len);
  Box grid = { 0, 0, W, H };
  box_union (&u, &grid);
  box_union (&u, &cb);
  if (hm->title && *hm->title)
    {
      Label l = measure_label (ctx, fs, hm->title, FONT_TITLE,
                               MAX (u.x1 - u.x0, 320 * fs));
      l.lx = -l.w / 2;
      l.ly = -l.h;
      l.ax = W / 2;
      l.ay = u.y0 - 3 * pad;
      g_array_append_val (f->labels, l);
      Box b = label_box (&l);
      box_union (&u, &b);
    }
  g_object_unref (ctx);

  /* Move everything so the union starts at (margin, margin). */
  figure_translate (f, margin - u.x0, margin - u.y0);
  f->width = ceil (u.x1 - u.x0 + 2 * margin);
  f->height = ceil (u.y1 - u.y0 + 2 * margin);
  return f;
}

Figure *
pl_heatmap_ensure_layout (PlHeatmap *hm)
{
  if (hm->fig == NULL)
    hm->fig = figure_layout (hm);
  return hm->fig;
}

void
pl_heatmap_invalidate (PlHeatmap *hm)
{
  g_clear_pointer (&hm->fig, figure_free);
}
