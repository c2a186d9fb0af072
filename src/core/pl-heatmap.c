/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-heatmap.c: the patching heatmap as one cairo drawing.
 *
 * A layout pass measures every label with Pango and places it around the grid in
 * "grid space" (the grid's top-left corner at 0,0); the figure is then the union of all
 * those boxes plus a margin, so no label can be clipped. Drawing only paints what the
 * layout placed; the layout is recomputed lazily after anything that can move a label.
 * Text is measured and drawn with unhinted metrics so a label has the same size on a
 * zoomed screen, in a PNG and in a PDF.
 */
#include "config.h"

#include "pl-heatmap.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <string.h>

#include "pl-error.h"
#include "pl-result-io.h"

typedef enum {
  FONT_TICK,
  FONT_AXIS,
  FONT_TITLE,
} FontKind;

/* Points at font_scale 1, as a matplotlib figure at its default rc. */
static const double font_sizes[] = { 9.0, 11.0, 13.0 };

/* One piece of text: the layout's logical rectangle is [lx, lx + w] x [ly, ly + h] in a
 * frame rotated by angle (cairo's sense: negative turns counter-clockwise) around the
 * anchor (ax, ay). (ox, oy) is where Pango puts that rectangle relative to the point it
 * draws from (non-zero for centred, wrapped text). */
typedef struct {
  char     *text;
  FontKind  font;
  double    wrap;     /* wrap width in points, 0 = one line */
  double    angle;
  double    ax, ay;
  double    lx, ly, w, h;
  double    ox, oy;
} Label;

typedef struct {
  double x0, y0, x1, y1;
} Box;

typedef struct {
  GArray *labels;            /* of Label */
  GArray *ticks;             /* of Box: line segments from (x0, y0) to (x1, y1) */
  double  gx, gy, cw, ch;    /* grid origin and cell size */
  double  cbx, cby, cbw, cbh; /* colour bar */
  double  vmin, vmax;        /* colour limits */
  double  width, height;     /* natural size */
} Figure;

struct _PlHeatmap {
  int         n_rows;
  int         n_cols;
  float      *values;        /* (n_rows, n_cols), NAN = not computed yet */
  char      **col_labels;    /* n_cols, entries may be NULL */
  char       *title;
  char       *value_label;
  char       *row_title;
  char       *col_title;
  PlColormap  cmap;
  double      font_scale;
  int         sel_row;
  int         sel_col;
  double      fg[3];
  Figure     *fig;           /* the layout; NULL when something changed */
};

/* ---- colour maps ---- */

typedef struct {
  double t, r, g, b;
} Stop;

/* matplotlib's RdBu reversed (ColorBrewer's 11 classes): blue for negative, red for
 * positive, with pure white in the middle so a zero effect reads as "nothing". */
static const Stop rdbu_stops[] = {
  { 0.0, 0x05 / 255., 0x30 / 255., 0x61 / 255. },
  { 0.1, 0x21 / 255., 0x66 / 255., 0xac / 255. },
  { 0.2, 0x43 / 255., 0x93 / 255., 0xc3 / 255. },
  { 0.3, 0x92 / 255., 0xc5 / 255., 0xde / 255. },
  { 0.4, 0xd1 / 255., 0xe5 / 255., 0xf0 / 255. },
  { 0.5, 1.0, 1.0, 1.0 },
  { 0.6, 0xfd / 255., 0xdb / 255., 0xc7 / 255. },
  { 0.7, 0xf4 / 255., 0xa5 / 255., 0x82 / 255. },
  { 0.8, 0xd6 / 255., 0x60 / 255., 0x4d / 255. },
  { 0.9, 0xb2 / 255., 0x18 / 255., 0x2b / 255. },
  { 1.0, 0x67 / 255., 0x00 / 255., 0x1f / 255. },
};

/* matplotlib's viridis table (_cm_listed.py), every 16th of its 256 entries. */
static const Stop viridis_stops[] = {
  {   0 / 255., 0.267004, 0.004874, 0.329415 },
  {  16 / 255., 0.282327, 0.094955, 0.417331 },
  {  32 / 255., 0.278826, 0.175490, 0.483397 },
  {  48 / 255., 0.258965, 0.251537, 0.524736 },
  {  64 / 255., 0.229739, 0.322361, 0.545706 },
  {  80 / 255., 0.199430, 0.387607, 0.554642 },
  {  96 / 255., 0.172719, 0.448791, 0.557885 },
  { 112 / 255., 0.149039, 0.508051, 0.557250 },
  { 128 / 255., 0.127568, 0.566949, 0.550556 },
  { 144 / 255., 0.120638, 0.625828, 0.533488 },
  { 160 / 255., 0.157851, 0.683765, 0.501686 },
  { 176 / 255., 0.246070, 0.738910, 0.452024 },
  { 192 / 255., 0.369214, 0.788888, 0.382914 },
  { 208 / 255., 0.515992, 0.831158, 0.294279 },
  { 224 / 255., 0.678489, 0.863742, 0.189503 },
  { 240 / 255., 0.845561, 0.887322, 0.099702 },
  { 255 / 255., 0.993248, 0.906157, 0.143936 },
};

static const Stop *
colormap_stops (PlColormap cmap,
                guint     *n)
{
  if (cmap == PL_COLORMAP_VIRIDIS)
    {
      *n = G_N_ELEMENTS (viridis_stops);
      return viridis_stops;
    }
  *n = G_N_ELEMENTS (rdbu_stops);
  return rdbu_stops;
}

/* t in [0, 1] (clamped) to a colour, linear between the stops. */
static void
colormap_eval (PlColormap cmap,
               double     t,
               double     rgb[3])
{
  guint n;
  const Stop *s = colormap_stops (cmap, &n);
  guint i = 1;

  t = CLAMP (t, 0.0, 1.0);
  while (i < n - 1 && t > s[i].t)
    i++;
  double f = (t - s[i - 1].t) / (s[i].t - s[i - 1].t);
  f = CLAMP (f, 0.0, 1.0);
  rgb[0] = s[i - 1].r + f * (s[i].r - s[i - 1].r);
  rgb[1] = s[i - 1].g + f * (s[i].g - s[i - 1].g);
  rgb[2] = s[i - 1].b + f * (s[i].b - s[i - 1].b);
}

/* The colour limits: symmetric +-max|v| for the diverging map (so white is zero), the
 * finite min and max for viridis; a sane range when nothing is computed yet. */
static void
value_range (PlHeatmap *hm,
             double    *vmin,
             double    *vmax)
{
  double lo = INFINITY, hi = -INFINITY, m = 0;
  gsize n = (gsize) hm->n_rows * hm->n_cols;

  for (gsize i = 0; i < n; i++)
    {
      double v = hm->values[i];
      if (!isfinite (v))
        continue;
      lo = MIN (lo, v);
      hi = MAX (hi, v);
      m = MAX (m, fabs (v));
    }
  if (hm->cmap == PL_COLORMAP_DIVERGING)
    {
      if (!(m > 0))
        m = 1;
      *vmin = -m;
      *vmax = m;
    }
  else if (!(lo <= hi))
    {
      *vmin = 0;
      *vmax = 1;
    }
  else if (lo == hi)
    {
      *vmin = lo - 0.5;
      *vmax = hi + 0.5;
    }
  else
    {
      *vmin = lo;
      *vmax = hi;
    }
}

/* ---- text ---- */

/* Unhinted metrics and unrounded glyph positions: the size measured once is the size
 * drawn on any surface at any zoom. */
static void
setup_pango_context (PangoContext *ctx)
{
  cairo_font_options_t *opts = cairo_font_options_create ();

  cairo_font_options_set_hint_metrics (opts, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style (opts, CAIRO_HINT_STYLE_NONE);
  pango_cairo_context_set_font_options (ctx, opts);
  cairo_font_options_destroy (opts);
  pango_context_set_round_glyph_positions (ctx, FALSE);
}

static void
setup_layout (PangoLayout *layout,
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
  setup_layout (layout, &l, font_scale);
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
  double right = f->cbx + f->cbw + tick_len;
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
  Box bar = { f->cbx, f->cby, f->cbx + f->cbw, f->cby + f->cbh };
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

  setup_pango_context (ctx);
  f->labels = g_array_new (FALSE, TRUE, sizeof (Label));
  f->ticks = g_array_new (FALSE, TRUE, sizeof (Box));
  value_range (hm, &f->vmin, &f->vmax);

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

static Figure *
ensure_layout (PlHeatmap *hm)
{
  if (hm->fig == NULL)
    hm->fig = figure_layout (hm);
  return hm->fig;
}

static void
invalidate (PlHeatmap *hm)
{
  g_clear_pointer (&hm->fig, figure_free);
}

/* ---- drawing ---- */

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
          colormap_eval (hm->cmap, (v - f->vmin) / (f->vmax - f->vmin), rgb);
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
  const Stop *s = colormap_stops (hm->cmap, &n);
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

      setup_pango_context (pango_layout_get_context (layout));
      pango_layout_context_changed (layout);
      setup_layout (layout, l, hm->font_scale);
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
  Figure *f = ensure_layout (hm);

  cairo_save (cr);
  draw_cells (hm, f, cr);
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
  g_autofree char *value_label = pl_metric_describe (result->metric, in->clean_answer,
                                                     in->corrupted_answer);
  pl_heatmap_set_value_label (hm, value_label);
  return hm;
}

void
pl_heatmap_free (PlHeatmap *hm)
{
  if (hm == NULL)
    return;
  invalidate (hm);
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
  invalidate (hm);   /* the colour limits, hence the colour bar's ticks, may move */
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
  invalidate (hm);
}

/* Replaces *field by a valid-UTF-8 copy of s (Pango refuses anything else). */
static void
set_text (PlHeatmap  *hm,
          char      **field,
          const char *s)
{
  g_free (*field);
  *field = s ? g_utf8_make_valid (s, -1) : NULL;
  invalidate (hm);
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
pl_heatmap_set_colormap (PlHeatmap  *hm,
                         PlColormap  cmap)
{
  g_return_if_fail (hm != NULL);
  hm->cmap = cmap == PL_COLORMAP_VIRIDIS ? PL_COLORMAP_VIRIDIS : PL_COLORMAP_DIVERGING;
  invalidate (hm);
}

void
pl_heatmap_set_font_scale (PlHeatmap *hm,
                           double     scale)
{
  g_return_if_fail (hm != NULL);
  g_return_if_fail (scale >= 0.25 && scale <= 8.0);
  hm->font_scale = scale;
  invalidate (hm);
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
  Figure *f = ensure_layout (hm);

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
  Figure *f = ensure_layout (hm);

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
  Figure *f = ensure_layout (hm);
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
