/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-heatmap-pane.c: PlHeatmapPane: the figure (live or finished), its hover line and
 * the stale mark.
 */
#include "config.h"

#include "pl-heatmap-pane.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "pl-token-strip.h"

struct _PlHeatmapPane {
  GtkWidget      parent_instance;

  PlHeatmapView *heatmap_view;
  GtkLabel      *hover_label;
  GtkWidget     *stale_box;

  float         *matrix;        /* (n_rows, n_cols): what the figure shows */
  int            n_rows, n_cols;
  char         **positions;     /* n_cols: "␣was", or "␣Jones/␣Smith" where they differ */
  PlMetric       metric;
  gboolean       stale;
};

G_DEFINE_FINAL_TYPE (PlHeatmapPane, pl_heatmap_pane, GTK_TYPE_WIDGET)

enum { SIGNAL_CELL_ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
set_hover_hint (PlHeatmapPane *self)
{
  gtk_label_set_text (self->hover_label, self->n_rows > 0
                      ? _("Hover a cell for its value; click it for the patched run's predictions.")
                      : "");
}

/* The grid's size and each position's name, as the figure and the data export name
 * them: the clean and the corrupted token where they differ. */
static void
set_grid (PlHeatmapPane  *self,
          int             n_rows,
          const PlInputs *in)
{
  int n_cols = in ? in->clean.n_tokens : 0;

  g_clear_pointer (&self->matrix, g_free);
  g_clear_pointer (&self->positions, g_strfreev);
  self->n_rows = n_cols > 0 ? n_rows : 0;
  self->n_cols = n_cols;
  if (self->n_rows == 0)
    {
      set_hover_hint (self);
      return;
    }
  self->matrix = g_new (float, (gsize) n_rows * n_cols);
  for (gsize i = 0; i < (gsize) n_rows * n_cols; i++)
    self->matrix[i] = NAN;
  self->positions = g_new0 (char *, n_cols + 1);
  for (int c = 0; c < n_cols; c++)
    {
      const char *a = in->clean.pieces[c];
      const char *b = c < in->corrupted.n_tokens ? in->corrupted.pieces[c] : a;
      g_autofree char *da = pl_token_display (a), *db = pl_token_display (b);

      self->positions[c] = g_strcmp0 (a, b) == 0 ? g_steal_pointer (&da)
                                                 : g_strdup_printf ("%s/%s", da, db);
    }
  set_hover_hint (self);
}

static void
show_heatmap (PlHeatmapPane *self,
              PlHeatmap     *hm)
{
  if (hm != NULL)
    {
      pl_heatmap_set_row_title (hm, _("Layer"));
      pl_heatmap_set_col_title (hm, _("Position (token)"));
    }
  pl_heatmap_view_set_heatmap (self->heatmap_view, hm);
}

void
pl_heatmap_pane_show_live (PlHeatmapPane  *self,
                           const char     *model_name,
                           const PlInputs *inputs,
                           PlSite          site,
                           PlMetric        metric,
                           int             n_layers)
{
  /* A result with no values yet, drawn by the same function as the finished one. */
  PlSweepResult skeleton = { 0 };

  set_grid (self, n_layers, inputs);
  self->metric = metric;
  skeleton.model_name = (char *) model_name;
  skeleton.inputs = (PlInputs *) inputs;
  skeleton.site = site;
  skeleton.metric = metric;
  skeleton.n_layers = self->n_rows;
  skeleton.n_positions = self->n_cols;
  skeleton.matrix = self->matrix;
  show_heatmap (self, self->n_rows > 0 ? pl_heatmap_new_from_result (&skeleton) : NULL);
  pl_heatmap_pane_set_stale (self, FALSE);
}

void
pl_heatmap_pane_update_values (PlHeatmapPane *self,
                               const float   *matrix)
{
  if (self->n_rows == 0)
    return;
  memcpy (self->matrix, matrix, (gsize) self->n_rows * self->n_cols * sizeof (float));
  pl_heatmap_view_update_values (self->heatmap_view, matrix);
}

void
pl_heatmap_pane_show_result (PlHeatmapPane       *self,
                             const PlSweepResult *r)
{
  set_grid (self, r ? r->n_layers : 0, r ? r->inputs : NULL);
  if (r == NULL || self->n_rows == 0)
    {
      show_heatmap (self, NULL);
      return;
    }
  self->metric = r->metric;
  memcpy (self->matrix, r->matrix, (gsize) self->n_rows * self->n_cols * sizeof (float));
  show_heatmap (self, pl_heatmap_new_from_result (r));
}

void
pl_heatmap_pane_include_range (PlHeatmapPane *self,
                               double         a,
                               double         b)
{
  PlHeatmap *hm = pl_heatmap_view_get_heatmap (self->heatmap_view);

  if (hm == NULL || self->n_rows == 0)
    return;
  pl_heatmap_include_range (hm, a, b);
  gtk_widget_queue_draw (GTK_WIDGET (self->heatmap_view));
}

gboolean
pl_heatmap_pane_has_figure (PlHeatmapPane *self)
{
  return self->n_rows > 0;
}

void
pl_heatmap_pane_set_stale (PlHeatmapPane *self,
                           gboolean       stale)
{
  self->stale = stale;
  gtk_widget_set_visible (self->stale_box, stale);
  if (stale)
    gtk_widget_add_css_class (GTK_WIDGET (self->heatmap_view), "stale-heatmap");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->heatmap_view), "stale-heatmap");
}

gboolean
pl_heatmap_pane_get_stale (PlHeatmapPane *self)
{
  return self->stale;
}

PlHeatmapView *
pl_heatmap_pane_get_view (PlHeatmapPane *self)
{
  return self->heatmap_view;
}

const char *
pl_heatmap_pane_get_hover_text (PlHeatmapPane *self)
{
  return gtk_label_get_text (self->hover_label);
}

float
pl_heatmap_pane_get_value (PlHeatmapPane *self,
                           int            row,
                           int            col)
{
  if (row < 0 || col < 0 || row >= self->n_rows || col >= self->n_cols)
    return NAN;
  return self->matrix[row * self->n_cols + col];
}

/* ---- hover and click ---- */

static void
on_cell_hovered (PlHeatmapView *view,
                 int            row,
                 int            col,
                 PlHeatmapPane *self)
{
  g_autofree char *text = NULL;
  float v = pl_heatmap_pane_get_value (self, row, col);

  if (row < 0 || col < 0 || row >= self->n_rows || col >= self->n_cols)
    {
      set_hover_hint (self);
      return;
    }
  if (isnan (v))
    /* Translators: hover line: layer, position, token; the value is not computed yet */
    text = g_strdup_printf (_("Layer %d · position %d “%s” · not computed yet"), row, col,
                            self->positions[col]);
  else
    /* Translators: hover line: layer, position, token, metric name, value */
    text = g_strdup_printf (_("Layer %d · position %d “%s” · %s = %.4f"), row, col,
                            self->positions[col], pl_metric_to_string (self->metric), v);
  gtk_label_set_text (self->hover_label, text);
  /* What a screen reader says of the figure: the cell and its value. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->heatmap_view),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
}

static void
on_cell_activated (PlHeatmapView *view,
                   int            row,
                   int            col,
                   PlHeatmapPane *self)
{
  if (row >= 0 && col >= 0 && row < self->n_rows && col < self->n_cols)
    g_signal_emit (self, signals[SIGNAL_CELL_ACTIVATED], 0, row, col);
}

/* ---- GObject ---- */

static void
pl_heatmap_pane_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), PL_TYPE_HEATMAP_PANE);
  /* The template's root has no id: gtk_widget_dispose_template leaves it. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object)));)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (pl_heatmap_pane_parent_class)->dispose (object);
}

static void
pl_heatmap_pane_finalize (GObject *object)
{
  PlHeatmapPane *self = PL_HEATMAP_PANE (object);

  g_free (self->matrix);
  g_strfreev (self->positions);
  G_OBJECT_CLASS (pl_heatmap_pane_parent_class)->finalize (object);
}

static void
pl_heatmap_pane_class_init (PlHeatmapPaneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pl_heatmap_pane_dispose;
  object_class->finalize = pl_heatmap_pane_finalize;
  signals[SIGNAL_CELL_ACTIVATED] =
    g_signal_new ("cell-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT);
  g_type_ensure (PL_TYPE_HEATMAP_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/patchlens/Patchlens/pl-heatmap-pane.ui");
  gtk_widget_class_bind_template_child (widget_class, PlHeatmapPane, heatmap_view);
  gtk_widget_class_bind_template_child (widget_class, PlHeatmapPane, hover_label);
  gtk_widget_class_bind_template_child (widget_class, PlHeatmapPane, stale_box);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
pl_heatmap_pane_init (PlHeatmapPane *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self->heatmap_view, "cell-hovered", G_CALLBACK (on_cell_hovered), self);
  g_signal_connect (self->heatmap_view, "cell-activated", G_CALLBACK (on_cell_activated), self);
}
