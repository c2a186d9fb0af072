/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-heatmap-pane.c: PlHeatmapPane: the figure (live or finished), its hover line and
 * the stale mark. A set of pairs' mean, std and per-pair list: pl-heatmap-pane-sets.c.
 */
#include "config.h"

#include "pl-heatmap-pane-private.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "pl-token-strip.h"


G_DEFINE_FINAL_TYPE (PlHeatmapPane, pl_heatmap_pane, GTK_TYPE_WIDGET)

enum { SIGNAL_CELL_ACTIVATED, SIGNAL_CELL_OPENED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
set_hover_hint (PlHeatmapPane *self)
{
  if (self->n_rows > 0 && pl_site_is_head (self->site))
    gtk_label_set_text (self->hover_label,
                        _("Hover a head for its value; click it for the patched run's predictions, double-click it for its attention pattern."));
  else
    gtk_label_set_text (self->hover_label, self->n_rows > 0
                        ? _("Hover a cell for its value; click it for the patched run's predictions.")
                        : "");
}

/* The grid's size and each position's name, as the figure and the data export name
 * them: the clean and the corrupted token where they differ. n_rows and n_cols are the
 * figure's (see grid_shape). */
static void
set_grid (PlHeatmapPane  *self,
          int             n_rows,
          int             n_cols,
          const PlInputs *in)
{
  int n_tokens = in ? in->clean.n_tokens : 0;

  g_clear_pointer (&self->matrix, g_free);
  g_clear_pointer (&self->positions, g_strfreev);
  pl_heatmap_pane_clear_running (self);
  self->n_rows = n_tokens > 0 && n_cols > 0 ? n_rows : 0;
  self->n_cols = n_cols;
  self->n_tokens = n_tokens;
  if (self->n_rows == 0)
    {
      set_hover_hint (self);
      return;
    }
  self->matrix = g_new (float, (gsize) n_rows * n_cols);
  for (gsize i = 0; i < (gsize) n_rows * n_cols; i++)
    self->matrix[i] = NAN;
  self->positions = g_new0 (char *, n_tokens + 1);
  for (int c = 0; c < n_tokens; c++)
    {
      const char *a = in->clean.pieces[c];
      const char *b = c < in->corrupted.n_tokens ? in->corrupted.pieces[c] : a;
      g_autofree char *da = pl_token_display (a), *db = pl_token_display (b);

      self->positions[c] = g_strcmp0 (a, b) == 0 ? g_steal_pointer (&da)
                                                 : g_strdup_printf ("%s/%s", da, db);
    }
  set_hover_hint (self);
}

/* ---- head results: their shape and labels ---- */

/* The figure's rows and columns: layer × position, or layer × head (by position, of
 * the position chosen above the figure). */
static void
grid_shape (PlSite    site,
            gboolean  by_position,
            int       n_layers,
            int       n_heads,
            int       n_tokens,
            int      *n_rows,
            int      *n_cols)
{
  if (!pl_site_is_head (site))
    *n_rows = n_layers, *n_cols = n_tokens;
  else
    *n_rows = n_layers, *n_cols = n_heads;   /* by position: one position at a time */
}

/* ---- by position: one position's layer × head ---- */

/* The shown position's (layer, head) slice of full into matrix. */
static void
slice_position (PlHeatmapPane *self)
{
  int H = self->n_heads, T = self->n_tokens;

  for (int l = 0; l < self->n_rows; l++)
    for (int h = 0; h < H; h++)
      self->matrix[l * H + h] = self->full[((gsize) l * T + self->pos_shown) * H + h];
}

/* A matrix in the result's order into what the figure shows. */
static void
copy_to_display (PlHeatmapPane *self,
                 const float   *src)
{
  if (!self->by_position)
    {
      memcpy (self->matrix, src, (gsize) self->n_rows * self->n_cols * sizeof (float));
      return;
    }
  memcpy (self->full, src, (gsize) self->n_rows * self->n_tokens * self->n_heads * sizeof (float));
  slice_position (self);
}

/* Starts the by-position state for a result of r's shape (values from copy_to_display):
 * the positions in the drop-down, the first difference shown. */
static void
begin_by_position (PlHeatmapPane       *self,
                   const PlSweepResult *r)
{
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);

  g_clear_pointer (&self->pos_result, pl_sweep_result_free);
  g_clear_pointer (&self->full, g_free);
  g_free (self->model_name);
  self->model_name = g_strdup (r && r->model_name ? r->model_name : "");
  gtk_widget_set_visible (self->position_bar, self->by_position && self->n_rows > 0);
  if (!self->by_position || self->n_rows == 0)
    return;
  self->full = g_new (float, (gsize) self->n_rows * self->n_tokens * self->n_heads);
  for (gsize i = 0; i < (gsize) self->n_rows * self->n_tokens * self->n_heads; i++)
    self->full[i] = NAN;
  self->pos_result = g_new0 (PlSweepResult, 1);
  *self->pos_result = (PlSweepResult) {
    .inputs = pl_inputs_copy (r->inputs),
    .site = r->site, .metric = r->metric, .direction = r->direction,
    .n_layers = r->n_layers, .n_positions = r->n_positions, .n_heads = r->n_heads,
    .clean_value = r->clean_value, .corrupted_value = r->corrupted_value,
    .matrix = g_new (float, (gsize) r->n_layers * r->n_heads),
  };
  for (int p = 0; p < self->n_tokens; p++)
    {
      g_autofree char *name = g_strdup_printf ("%d · %s", p, self->positions[p]);
      gtk_string_list_append (names, name);
    }
  /* where patching can matter first (the last position when the prompts are equal) */
  self->pos_shown = MIN (pl_inputs_first_difference (r->inputs),
                         r->inputs->clean.n_tokens - 1);
  g_signal_handlers_block_matched (self->position_dropdown, G_SIGNAL_MATCH_DATA, 0, 0,
                                   NULL, NULL, self);
  gtk_drop_down_set_model (self->position_dropdown, G_LIST_MODEL (names));
  gtk_drop_down_set_selected (self->position_dropdown, self->pos_shown);
  g_signal_handlers_unblock_matched (self->position_dropdown, G_SIGNAL_MATCH_DATA, 0, 0,
                                     NULL, NULL, self);
}

/* The shown position's figure: the all-positions layout (layer × head) of the slice,
 * titled with the position. */
static PlHeatmap *
new_position_figure (PlHeatmapPane *self)
{
  PlSweepResult *r = self->pos_result;
  PlHeatmap *hm;

  memcpy (r->matrix, self->matrix, (gsize) self->n_rows * self->n_heads * sizeof (float));
  /* The title names the model last: the position goes after it. */
  g_free (r->model_name);
  /* Translators: a by-position head figure's title ends with the model, then the
   * position shown: "gpt2 · position 9 “␣John/␣Mary”" */
  r->model_name = g_strdup_printf (_("%s · position %d “%s”"), self->model_name,
                                   self->pos_shown, self->positions[self->pos_shown]);
  if (self->running_note != NULL)   /* a set's sweep: what the values are */
    {
      char *with_note = g_strdup_printf ("%s · %s", r->model_name, self->running_note);

      g_free (r->model_name);
      r->model_name = with_note;
    }
  hm = pl_heatmap_new_from_result (r);
  pl_heatmap_pane_dress (hm, r);
  if (isfinite (self->range[0]) && isfinite (self->range[1]))
    pl_heatmap_include_range (hm, self->range[0], self->range[1]);
  return hm;
}

static void
on_position_selected (PlHeatmapPane *self)
{
  guint p = gtk_drop_down_get_selected (self->position_dropdown);

  if (!self->by_position || p == GTK_INVALID_LIST_POSITION || (int) p >= self->n_tokens)
    return;
  self->pos_shown = p;
  slice_position (self);
  pl_heatmap_pane_show_position_figure (self);
}

void
pl_heatmap_pane_show_position_figure (PlHeatmapPane *self)
{
  pl_heatmap_view_set_heatmap (self->heatmap_view, new_position_figure (self));
}

int
pl_heatmap_pane_get_position (PlHeatmapPane *self)
{
  return self->by_position ? self->pos_shown : -1;
}

GtkDropDown *
pl_heatmap_pane_get_position_dropdown (PlHeatmapPane *self)
{
  return self->position_dropdown;
}

void
pl_heatmap_pane_dress (PlHeatmap           *hm,
                       const PlSweepResult *r)
{
  if (!pl_site_is_head (r->site))
    {
      pl_heatmap_set_row_title (hm, _("Layer"));
      pl_heatmap_set_col_title (hm, _("Position (token)"));
      return;
    }
  if (r->by_position)
    {
      /* Translators: the rows of a by-position head figure, "3.7" = layer 3, head 7 */
      pl_heatmap_set_row_title (hm, _("Layer.head (rows grouped by layer)"));
      pl_heatmap_set_col_title (hm, _("Position (token)"));
      return;
    }
  for (int h = 0; h < r->n_heads; h++)
    {
      g_autofree char *label = g_strdup_printf ("H%d", h);
      pl_heatmap_set_col_label (hm, h, label);
    }
  pl_heatmap_set_row_title (hm, _("Layer"));
  pl_heatmap_set_col_title (hm, _("Head"));
}

/* The hover line of a head cell. */
static char *
describe_head_cell (PlHeatmapPane *self,
                    int            row,
                    int            col,
                    float          v)
{
  g_autofree char *where = NULL;

  if (self->by_position)
    /* Translators: hover line: layer, head, position, token */
    where = g_strdup_printf (_("Layer %d · head H%d · position %d “%s”"), row, col,
                             self->pos_shown, self->positions[self->pos_shown]);
  else
    /* Translators: hover line: layer, head (patched at every position) */
    where = g_strdup_printf (_("Layer %d · head H%d (all positions)"), row, col);
  if (isnan (v))
    /* Translators: a hover line's place, then: the value is not computed yet */
    return g_strdup_printf (_("%s · not computed yet"), where);
  return g_strdup_printf ("%s · %s = %.4f", where, pl_metric_to_string (self->metric), v);
}

void
pl_heatmap_pane_show_heatmap (PlHeatmapPane       *self,
                              PlHeatmap           *hm,
                              const PlSweepResult *r)
{
  if (hm != NULL)
    pl_heatmap_pane_dress (hm, r);
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
  PlSweepOptions opt = PL_SWEEP_OPTIONS_INIT;

  opt.site = site;
  opt.metric = metric;
  pl_heatmap_pane_show_live_sweep (self, model_name, inputs, &opt, n_layers, 0);
}

void
pl_heatmap_pane_show_live_sweep (PlHeatmapPane        *self,
                                 const char           *model_name,
                                 const PlInputs       *inputs,
                                 const PlSweepOptions *opt,
                                 int                   n_layers,
                                 int                   n_heads)
{
  /* A result with no values yet, drawn by the same function as the finished one. */
  PlSweepResult skeleton = { 0 };
  int n_rows, n_cols;
  gboolean heads = pl_site_is_head (opt->site);

  self->site = opt->site;
  self->by_position = heads && opt->by_position;
  self->n_heads = heads ? n_heads : 0;
  grid_shape (opt->site, self->by_position, n_layers, n_heads,
              inputs ? inputs->clean.n_tokens : 0, &n_rows, &n_cols);
  set_grid (self, n_rows, n_cols, inputs);
  self->metric = opt->metric;
  skeleton.model_name = (char *) model_name;
  skeleton.inputs = (PlInputs *) inputs;
  skeleton.site = opt->site;
  skeleton.metric = opt->metric;
  skeleton.direction = opt->direction;
  skeleton.by_position = self->by_position;
  skeleton.n_heads = self->n_heads;
  skeleton.n_layers = n_layers;
  skeleton.n_positions = self->n_tokens;
  skeleton.matrix = NULL;   /* all NAN: pl_heatmap_new_from_result leaves them so */
  skeleton.clean_value = skeleton.corrupted_value = NAN;   /* include_range gives them */
  self->range[0] = self->range[1] = NAN;
  begin_by_position (self, &skeleton);
  if (self->by_position)
    pl_heatmap_view_set_heatmap (self->heatmap_view, new_position_figure (self));
  else if (self->n_rows > 0)
    {
      PlHeatmap *hm = pl_heatmap_new_from_result (&skeleton);

      pl_heatmap_set_values (hm, self->matrix);
      pl_heatmap_pane_show_heatmap (self, hm, &skeleton);
    }
  else
    pl_heatmap_pane_show_heatmap (self, NULL, &skeleton);
  pl_heatmap_pane_set_stale (self, FALSE);
}

void
pl_heatmap_pane_update_values (PlHeatmapPane *self,
                               const float   *matrix)
{
  if (self->n_rows == 0)
    return;
  copy_to_display (self, matrix);
  pl_heatmap_view_update_values (self->heatmap_view, self->matrix);
}

void
pl_heatmap_pane_show_result (PlHeatmapPane       *self,
                             const PlSweepResult *r)
{
  int n_rows = 0, n_cols = 0;

  self->by_position = FALSE;
  self->range[0] = self->range[1] = NAN;
  if (r != NULL)
    {
      self->site = r->site;
      self->by_position = pl_site_is_head (r->site) && r->by_position;
      self->n_heads = pl_site_is_head (r->site) ? r->n_heads : 0;
      grid_shape (r->site, self->by_position, r->n_layers, r->n_heads, r->n_positions,
                  &n_rows, &n_cols);
    }
  set_grid (self, n_rows, n_cols, r ? r->inputs : NULL);
  begin_by_position (self, r);
  if (r == NULL || self->n_rows == 0)
    {
      pl_heatmap_pane_show_heatmap (self, NULL, r);
      return;
    }
  self->metric = r->metric;
  copy_to_display (self, r->matrix);
  if (self->by_position)
    pl_heatmap_view_set_heatmap (self->heatmap_view, new_position_figure (self));
  else
    pl_heatmap_pane_show_heatmap (self, pl_heatmap_new_from_result (r), r);
}

void
pl_heatmap_pane_include_range (PlHeatmapPane *self,
                               double         a,
                               double         b)
{
  PlHeatmap *hm = pl_heatmap_view_get_heatmap (self->heatmap_view);

  if (hm == NULL || self->n_rows == 0)
    return;
  self->range[0] = a;   /* for the next position's figure */
  self->range[1] = b;
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
  if (self->by_position)   /* the result's cell (l, p, h) at row l H + h, column p */
    {
      int H = self->n_heads, T = self->n_tokens;

      if (row < 0 || col < 0 || row >= self->n_rows * H || col >= T)
        return NAN;
      return self->full[((gsize) (row / H) * T + col) * H + row % H];
    }
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
  float v = row >= 0 && col >= 0 && row < self->n_rows && col < self->n_cols
            ? self->matrix[row * self->n_cols + col] : NAN;

  if (row < 0 || col < 0 || row >= self->n_rows || col >= self->n_cols)
    {
      set_hover_hint (self);
      return;
    }
  if (pl_site_is_head (self->site))
    text = describe_head_cell (self, row, col, v);
  else if (isnan (v))
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
  if (row < 0 || col < 0 || row >= self->n_rows || col >= self->n_cols)
    return;
  if (self->by_position)   /* in the result's layout (pl_sweep_cell_topk's) */
    g_signal_emit (self, signals[SIGNAL_CELL_ACTIVATED], 0, row * self->n_heads + col,
                   self->pos_shown);
  else
    g_signal_emit (self, signals[SIGNAL_CELL_ACTIVATED], 0, row, col);
}

static void
on_cell_opened (PlHeatmapView *view,
                int            row,
                int            col,
                PlHeatmapPane *self)
{
  if (row < 0 || col < 0 || row >= self->n_rows || col >= self->n_cols)
    return;
  if (self->by_position)
    g_signal_emit (self, signals[SIGNAL_CELL_OPENED], 0, row * self->n_heads + col,
                   self->pos_shown);
  else
    g_signal_emit (self, signals[SIGNAL_CELL_OPENED], 0, row, col);
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

  g_clear_pointer (&self->set, pl_shared_unref);
  pl_heatmap_pane_clear_running (self);
  g_free (self->matrix);
  g_strfreev (self->positions);
  g_free (self->full);
  g_clear_pointer (&self->pos_result, pl_sweep_result_free);
  g_free (self->model_name);
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
  signals[SIGNAL_CELL_OPENED] =
    g_signal_new ("cell-opened", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT);
  g_type_ensure (PL_TYPE_HEATMAP_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/patchlens/Patchlens/pl-heatmap-pane.ui");
  gtk_widget_class_bind_template_child (widget_class, PlHeatmapPane, heatmap_view);
  gtk_widget_class_bind_template_child (widget_class, PlHeatmapPane, hover_label);
  gtk_widget_class_bind_template_child (widget_class, PlHeatmapPane, stale_box);
  gtk_widget_class_bind_template_child (widget_class, PlHeatmapPane, position_bar);
  gtk_widget_class_bind_template_child (widget_class, PlHeatmapPane, position_dropdown);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  /* Sets of pairs: a pair picked in a cell's side list (its index in the set). */
  g_signal_new ("pair-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
pl_heatmap_pane_init (PlHeatmapPane *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  pl_heatmap_pane_setup_sets (self);
  g_signal_connect (self->heatmap_view, "cell-hovered", G_CALLBACK (on_cell_hovered), self);
  g_signal_connect (self->heatmap_view, "cell-activated", G_CALLBACK (on_cell_activated), self);
  g_signal_connect (self->heatmap_view, "cell-opened", G_CALLBACK (on_cell_opened), self);
  g_signal_connect_swapped (self->position_dropdown, "notify::selected",
                            G_CALLBACK (on_position_selected), self);
}
