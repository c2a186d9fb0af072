/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-attribution-figure.c: the direct-logit-attribution figure. The heads are a
 * PlHeatmap (layer × head); the other components are horizontal bars in a panel to its
 * right, top-aligned with the grid, with the heatmap's fonts, tick rules and colours.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>

#include "pl-attribution-figure.h"
#include "pl-heatmap-private.h"

typedef struct {
  char    *label;
  double   value;
  gboolean gap_before;   /* a space (and a rule) before: the sums */
} Bar;

struct _PlAttributionFigure {
  PlHeatmap *hm;
  GArray    *bars;             /* of Bar */
  char      *axis_label;
  double     fg[3];            /* text and rule colour */
  /* layout, in figure space */
  gboolean   laid_out;
  double     width, height;
  double     px, py;           /* the bars' top-left corner (after the labels) */
  double     bar_w, row_h, value_w, line_h;
  double     vmin, vmax;
  double     ticks[16], step;
  int        n_ticks;
};

static const double PAD = 3.0, GAP = 8.0, MARGIN = 8.0;

static void
add_bar (PlAttributionFigure *fig, const char *label, double value, gboolean gap)
{
  Bar b = { g_strdup (label), value, gap };

  g_array_append_val (fig->bars, b);
}

static PlHeatmap *
heads_heatmap (const PlAttribution *at, const char *effect, const char *model_name)
{
  PlHeatmap *hm = pl_heatmap_new (at->n_layers, at->n_heads);
  g_autofree float *v = g_new (float, (gsize) at->n_layers * at->n_heads);

  for (gsize i = 0; i < (gsize) at->n_layers * at->n_heads; i++)
    v[i] = at->heads[i];
  pl_heatmap_set_values (hm, v);
  for (int h = 0; h < at->n_heads; h++)
    {
      g_autofree char *label = g_strdup_printf ("%d", h);
      pl_heatmap_set_col_label (hm, h, label);
    }
  pl_heatmap_set_col_title (hm, _("Head"));
  pl_heatmap_set_value_label (hm, effect);
  g_autofree char *title = model_name && *model_name
    ? g_strdup_printf (_("Direct logit attribution · %s"), model_name)
    : g_strdup (_("Direct logit attribution"));
  pl_heatmap_set_title (hm, title);
  return hm;
}

PlAttributionFigure *
pl_attribution_figure_new (const PlAttribution *at,
                           const char          *answer_a,
                           const char          *answer_b,
                           const char          *model_name)
{
  g_return_val_if_fail (at != NULL && answer_a != NULL && answer_b != NULL, NULL);
  PlAttributionFigure *fig = g_new0 (PlAttributionFigure, 1);
  g_autofree char *a = g_utf8_make_valid (answer_a, -1);
  g_autofree char *b = g_utf8_make_valid (answer_b, -1);
  g_autofree char *effect = g_strdup_printf (_("Direct effect on logit(%s) − logit(%s)"),
                                             b, a);
  double heads = 0;

  fig->hm = heads_heatmap (at, effect, model_name);
  fig->axis_label = g_steal_pointer (&effect);
  fig->bars = g_array_new (FALSE, TRUE, sizeof (Bar));
  add_bar (fig, _("embeddings"), at->embed, FALSE);
  for (int l = 0; l < at->n_layers; l++)
    {
      g_autofree char *bias = g_strdup_printf (_("attn bias %d"), l);
      g_autofree char *mlp = g_strdup_printf (_("MLP %d"), l);
      add_bar (fig, bias, at->attn_bias[l], FALSE);
      add_bar (fig, mlp, at->mlp[l], FALSE);
      for (int h = 0; h < at->n_heads; h++)
        heads += at->heads[l * at->n_heads + h];
    }
  add_bar (fig, _("ln_f bias"), at->ln_f_bias, FALSE);
  add_bar (fig, _("all heads"), heads, TRUE);
  add_bar (fig, _("total"), pl_attribution_total (at), FALSE);
  return fig;
}

void
pl_attribution_figure_free (PlAttributionFigure *fig)
{
  if (fig == NULL)
    return;
  pl_heatmap_free (fig->hm);
  for (guint i = 0; i < fig->bars->len; i++)
    g_free (g_array_index (fig->bars, Bar, i).label);
  g_array_unref (fig->bars);
  g_free (fig->axis_label);
  g_free (fig);
}

/* ---- layout ---- */

/* A layout for text in the heatmap's fonts; its logical size in *w, *h. */
static PangoLayout *
text_layout (PangoContext *ctx, const char *text, FontKind font, double *w, double *h)
{
  PangoLayout *layout = pango_layout_new (ctx);
  Label l = { .text = (char *) text, .font = font };
  PangoRectangle r;

  pl_heatmap_setup_layout (layout, &l, 1.0);
  pango_layout_get_extents (layout, NULL, &r);
  if (w)
    *w = (double) r.width / PANGO_SCALE;
  if (h)
    *h = (double) r.height / PANGO_SCALE;
  return layout;
}

static double
text_width (PangoContext *ctx, const char *text, FontKind font)
{
  double w;

  g_object_unref (text_layout (ctx, text, font, &w, NULL));
  return w;
}

static char *
format_value (double v)
{
  return g_strdup_printf ("%s%.3f", v < 0 ? "−" : "+", fabs (v));
}

static double
bar_y (const PlAttributionFigure *fig, guint i)
{
  double y = fig->py;

  for (guint j = 1; j <= i; j++)
    y += fig->row_h + (g_array_index (fig->bars, Bar, j).gap_before ? fig->row_h / 2 : 0);
  return y;
}

static double
value_x (const PlAttributionFigure *fig, double v)
{
  return fig->px + fig->value_w + fig->bar_w * (v - fig->vmin) / (fig->vmax - fig->vmin);
}

static void
ensure_layout (PlAttributionFigure *fig)
{
  if (fig->laid_out)
    return;
  PangoContext *ctx = pango_font_map_create_context (pango_cairo_font_map_get_default ());
  double hw, hh, gx, gy, label_w = 0, lo = 0, hi = 0;

  pl_heatmap_setup_pango_context (ctx);
  pl_heatmap_get_size (fig->hm, &hw, &hh);
  pl_heatmap_get_grid_rect (fig->hm, &gx, &gy, NULL, NULL);
  g_object_unref (text_layout (ctx, "0", FONT_TICK, NULL, &fig->line_h));
  fig->value_w = 0;
  for (guint i = 0; i < fig->bars->len; i++)
    {
      const Bar *b = &g_array_index (fig->bars, Bar, i);
      g_autofree char *value = format_value (b->value);

      label_w = MAX (label_w, text_width (ctx, b->label, FONT_TICK));
      fig->value_w = MAX (fig->value_w, text_width (ctx, value, FONT_TICK) + 2 * PAD);
      lo = MIN (lo, b->value);
      hi = MAX (hi, b->value);
    }
  if (!(hi > lo))
    hi = lo + 1;
  fig->n_ticks = pl_heatmap_nice_ticks (lo, hi, 5, fig->ticks, &fig->step);
  fig->vmin = MIN (lo, fig->ticks[0]);
  fig->vmax = MAX (hi, fig->ticks[fig->n_ticks - 1]);
  fig->row_h = MAX (1.45 * fig->line_h, 14.0);
  fig->bar_w = 220.0;
  fig->px = hw + GAP + label_w + PAD;
  fig->py = gy;
  double axis_w = text_width (ctx, fig->axis_label, FONT_AXIS);
  double bottom = bar_y (fig, fig->bars->len - 1) + fig->row_h + 4 * fig->line_h;
  fig->width = ceil (MAX (fig->px + 2 * fig->value_w + fig->bar_w,
                          fig->px + fig->value_w + fig->bar_w / 2 + axis_w / 2) + MARGIN);
  fig->height = ceil (MAX (hh, bottom + MARGIN));
  fig->laid_out = TRUE;
  g_object_unref (ctx);
}

void
pl_attribution_figure_get_size (PlAttributionFigure *fig,
                                double              *width,
                                double              *height)
{
  g_return_if_fail (fig != NULL);
  ensure_layout (fig);
  if (width)
    *width = fig->width;
  if (height)
    *height = fig->height;
}

/* ---- drawing ---- */

/* text with its logical box's anchor point (ax, ay) at (x, y): ax, ay in 0..1. */
static void
show_text (cairo_t *cr, const char *text, FontKind font, double x, double y, double ax,
           double ay)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  Label l = { .text = (char *) text, .font = font };
  PangoRectangle r;

  pl_heatmap_setup_pango_context (pango_layout_get_context (layout));
  pango_layout_context_changed (layout);
  pl_heatmap_setup_layout (layout, &l, 1.0);
  pango_layout_get_extents (layout, NULL, &r);
  cairo_move_to (cr, x - (r.x + ax * r.width) / (double) PANGO_SCALE,
                 y - (r.y + ay * r.height) / (double) PANGO_SCALE);
  pango_cairo_show_layout (cr, layout);
  g_object_unref (layout);
}

static void
draw_bars (PlAttributionFigure *fig, cairo_t *cr)
{
  double x0 = value_x (fig, 0);

  for (guint i = 0; i < fig->bars->len; i++)
    {
      const Bar *b = &g_array_index (fig->bars, Bar, i);
      double y = bar_y (fig, i), x1 = value_x (fig, b->value), rgb[3];
      g_autofree char *value = format_value (b->value);

      pl_colormap_eval (PL_COLORMAP_DIVERGING, b->value >= 0 ? 0.82 : 0.18, rgb);
      cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
      cairo_rectangle (cr, MIN (x0, x1), y + 0.15 * fig->row_h, fabs (x1 - x0),
                       0.7 * fig->row_h);
      cairo_fill (cr);
      cairo_set_source_rgb (cr, fig->fg[0], fig->fg[1], fig->fg[2]);
      show_text (cr, b->label, FONT_TICK, fig->px - PAD, y + fig->row_h / 2, 1, 0.5);
      if (b->value >= 0)
        show_text (cr, value, FONT_TICK, x1 + PAD, y + fig->row_h / 2, 0, 0.5);
      else
        show_text (cr, value, FONT_TICK, x1 - PAD, y + fig->row_h / 2, 1, 0.5);
      if (b->gap_before)
        {
          cairo_move_to (cr, fig->px, y - fig->row_h / 4);
          cairo_line_to (cr, fig->px + 2 * fig->value_w + fig->bar_w, y - fig->row_h / 4);
          cairo_set_line_width (cr, 0.5);
          cairo_stroke (cr);
        }
    }
}

static void
draw_axis (PlAttributionFigure *fig, cairo_t *cr)
{
  double top = fig->py, bottom = bar_y (fig, fig->bars->len - 1) + fig->row_h;

  cairo_set_source_rgb (cr, fig->fg[0], fig->fg[1], fig->fg[2]);
  cairo_set_line_width (cr, 0.8);
  cairo_move_to (cr, value_x (fig, 0), top);       /* zero */
  cairo_line_to (cr, value_x (fig, 0), bottom);
  cairo_move_to (cr, value_x (fig, fig->vmin), bottom);
  cairo_line_to (cr, value_x (fig, fig->vmax), bottom);
  for (int i = 0; i < fig->n_ticks; i++)
    {
      double x = value_x (fig, fig->ticks[i]);
      g_autofree char *text = pl_heatmap_format_tick (fig->ticks[i], fig->step);

      cairo_move_to (cr, x, bottom);
      cairo_line_to (cr, x, bottom + 3.5);
      show_text (cr, text, FONT_TICK, x, bottom + 3.5 + PAD, 0.5, 0);
    }
  cairo_stroke (cr);
  show_text (cr, fig->axis_label, FONT_AXIS, value_x (fig, (fig->vmin + fig->vmax) / 2),
             bottom + 3.5 + 2 * PAD + fig->line_h, 0.5, 0);
}

PlHeatmap *
pl_attribution_figure_get_heatmap (PlAttributionFigure *fig)
{
  g_return_val_if_fail (fig != NULL, NULL);
  return fig->hm;
}

void
pl_attribution_figure_set_foreground (PlAttributionFigure *fig,
                                      double r, double g, double b)
{
  g_return_if_fail (fig != NULL);
  fig->fg[0] = CLAMP (r, 0.0, 1.0);
  fig->fg[1] = CLAMP (g, 0.0, 1.0);
  fig->fg[2] = CLAMP (b, 0.0, 1.0);
  pl_heatmap_set_foreground (fig->hm, fig->fg[0], fig->fg[1], fig->fg[2]);
}

void
pl_attribution_figure_draw (PlAttributionFigure *fig,
                            cairo_t             *cr)
{
  g_return_if_fail (fig != NULL && cr != NULL);
  ensure_layout (fig);
  cairo_save (cr);
  pl_heatmap_draw (fig->hm, cr);
  draw_bars (fig, cr);
  draw_axis (fig, cr);
  cairo_restore (cr);
}

/* Black on white whatever the screen's theme. */
static void
draw_func (cairo_t *cr, gpointer data)
{
  PlAttributionFigure *fig = data;
  double fg[3] = { fig->fg[0], fig->fg[1], fig->fg[2] };

  pl_attribution_figure_set_foreground (fig, 0, 0, 0);
  pl_attribution_figure_draw (fig, cr);
  pl_attribution_figure_set_foreground (fig, fg[0], fg[1], fg[2]);
}

gboolean
pl_attribution_figure_export (PlAttributionFigure *fig,
                              PlFigureFormat       format,
                              const char          *path,
                              double               scale,
                              GError             **error)
{
  g_return_val_if_fail (fig != NULL && path != NULL, FALSE);
  ensure_layout (fig);
  return pl_figure_export (draw_func, fig, fig->width, fig->height, fig->hm->title,
                           format, path, scale, error);
}
