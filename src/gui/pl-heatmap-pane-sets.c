/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-heatmap-pane-sets.c: PlHeatmapPane with a set of pairs: the mean (or, with the Std
 * toggle, the standard deviation) as the figure, "mean ± std (N)" on hover, and a
 * clicked cell's per-pair values in a side list, sorted, whose rows emit
 * "pair-activated" with the pair's index in the set. While a set's sweep runs: its
 * running mean, titled with how many pairs it holds, and each cell's count on hover.
 */
#include "config.h"

#include "pl-heatmap-pane-private.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "pl-sweep-set-io.h"

static void close_pair_side (PlHeatmapPane *self);

static PlSetResult *
shown_set (PlHeatmapPane *self)
{
  return self->set ? pl_shared_get (self->set) : NULL;
}

static void
set_hover_hint_for_set (PlHeatmapPane *self)
{
  gtk_label_set_text (self->hover_label,
                      _("Hover a cell for its mean ± std; click it for each pair's value."));
}

/* The mean (or the std) of the set as the figure. The summary with the matrix shown is
 * drawn as any result is (pl_heatmap_pane_show_result: the grid, the values under the
 * pointer; it leaves self->set), then its figure is replaced by the set's, titled
 * "mean of N pairs" as the CLI's (or "std of N pairs"). */
static void
show_set_figure (PlHeatmapPane *self)
{
  PlSetResult *r = shown_set (self);
  PlSweepResult shown = *r->summary;   /* borrowed members: not freed */
  PlHeatmap *hm;
  g_autofree char *title = NULL;

  close_pair_side (self);
  if (self->show_std)
    shown.matrix = r->std;
  pl_heatmap_pane_show_result (self, &shown);
  set_hover_hint_for_set (self);
  if (self->by_position)
    return;   /* one position's slice: the pane's own figure of it */
  if (!self->show_std)
    {
      pl_heatmap_pane_show_heatmap (self, pl_set_result_heatmap (r), &shown);
      return;
    }
  hm = pl_heatmap_new_from_result (&shown);
  /* Translators: the title of the standard deviation's heatmap: site, model, N */
  title = g_strdup_printf (_("Activation patching · %s · %s · std of %d pairs"),
                           pl_site_to_string (shown.site),
                           shown.model_name ? shown.model_name : "", r->n_pairs);
  pl_heatmap_set_title (hm, title);
  pl_heatmap_pane_show_heatmap (self, hm, &shown);
}

/* The set's cell under the figure's (row, col): the result's cell order (by position,
 * the figure is the shown position's layer × head slice). */
static gsize
set_cell_index (PlHeatmapPane *self,
                int            row,
                int            col)
{
  if (self->by_position)
    return ((gsize) row * self->n_tokens + self->pos_shown) * self->n_heads + col;
  return (gsize) row * self->n_cols + col;
}

/* "Std", beside the hover line, shown with a set's result only. */
static void
add_std_toggle (PlHeatmapPane *self)
{
  GtkWidget *row = gtk_widget_get_parent (GTK_WIDGET (self->hover_label));

  self->std_toggle = gtk_toggle_button_new_with_mnemonic (_("_Std"));
  gtk_widget_set_tooltip_text (self->std_toggle,
                               _("Show the Standard Deviation over the Pairs instead of the Mean"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->std_toggle), "win.show-std");
  gtk_widget_add_css_class (self->std_toggle, "flat");
  gtk_widget_set_visible (self->std_toggle, FALSE);
  gtk_box_insert_child_after (GTK_BOX (row), self->std_toggle, GTK_WIDGET (self->hover_label));
}

void
pl_heatmap_pane_show_set (PlHeatmapPane *self,
                          PlShared      *set_result)
{
  if (set_result != NULL)
    pl_shared_ref (set_result);
  g_clear_pointer (&self->set, pl_shared_unref);
  self->set = set_result;
  gtk_widget_set_visible (self->std_toggle, set_result != NULL);
  close_pair_side (self);
  if (set_result != NULL)
    show_set_figure (self);
}

void
pl_heatmap_pane_set_show_std (PlHeatmapPane *self,
                              gboolean       show_std)
{
  if (show_std == self->show_std)
    return;
  self->show_std = show_std;
  if (self->set != NULL)
    show_set_figure (self);
}

gboolean
pl_heatmap_pane_get_show_std (PlHeatmapPane *self)
{
  return self->show_std;
}

GtkListBox *
pl_heatmap_pane_get_pair_list (PlHeatmapPane *self)
{
  return self->pair_side != NULL ? self->pair_list : NULL;
}

/* Where a cell of the set's figure is, for its hover line and its list's heading. */
static char *
set_cell_place (PlHeatmapPane *self,
                int            row,
                int            col)
{
  if (self->by_position)
    return g_strdup_printf (_("Layer %d · head H%d · position %d “%s”"), row, col,
                            self->pos_shown, self->positions[self->pos_shown]);
  if (pl_site_is_head (self->site))
    return g_strdup_printf (_("Layer %d · head H%d (all positions)"), row, col);
  /* Translators: a cell of a set's heatmap: layer, position, token */
  return g_strdup_printf (_("Layer %d · position %d “%s”"), row, col, self->positions[col]);
}

/* ---- the running mean, while a set's sweep runs ---- */

/* Cells of the result's matrix the figure comes from (by position: every position's). */
static gsize
result_cells (PlHeatmapPane *self)
{
  if (self->by_position)
    return (gsize) self->n_rows * self->n_tokens * self->n_heads;
  return (gsize) self->n_rows * self->n_cols;
}

void
pl_heatmap_pane_clear_running (PlHeatmapPane *self)
{
  g_clear_pointer (&self->running_counts, g_free);
  g_clear_pointer (&self->running_note, g_free);
  self->running_pairs = 0;
}

/* "running mean of 7 of 24 pairs", or "of 6–7 of 24" while cells hold different
 * counts (pairs swept together fill their cells in turns). */
static char *
running_note (const int *counts,
              gsize      n_cells,
              int        n_pairs)
{
  int lo = G_MAXINT, hi = 0;

  for (gsize c = 0; c < n_cells; c++)
    if (counts[c] > 0)
      lo = MIN (lo, counts[c]), hi = MAX (hi, counts[c]);
  if (hi == 0)
    lo = 0;
  if (lo == hi)
    /* Translators: a live figure's title ends so: the pairs in the running mean so far,
     * of all the set's pairs */
    return g_strdup_printf (ngettext ("running mean of %d of %d pair",
                                      "running mean of %d of %d pairs", n_pairs), lo, n_pairs);
  /* Translators: the same while cells hold different numbers of pairs: "6–7 of 24" */
  return g_strdup_printf (ngettext ("running mean of %d–%d of %d pair",
                                    "running mean of %d–%d of %d pairs", n_pairs),
                          lo, hi, n_pairs);
}

/* The title of the figure shown, as the mean's will read when the sweep ends
 * (pl_set_result_heatmap's) with the note in place of "mean of N pairs" (by position,
 * new_position_figure adds the note instead). */
static void
retitle_running (PlHeatmapPane *self)
{
  PlHeatmap *hm = pl_heatmap_view_get_heatmap (self->heatmap_view);
  g_autofree char *title = NULL;

  if (hm == NULL)
    return;
  if (self->model_name != NULL && *self->model_name != '\0')
    /* Translators: a set's live figure: site, model, "running mean of 7 of 24 pairs" */
    title = g_strdup_printf (_("Activation patching · %s · %s · %s"),
                             pl_site_to_string (self->site), self->model_name,
                             self->running_note);
  else
    title = g_strdup_printf (_("Activation patching · %s · %s"),
                             pl_site_to_string (self->site), self->running_note);
  pl_heatmap_set_title (hm, title);
}

void
pl_heatmap_pane_show_running_mean (PlHeatmapPane *self,
                                   const float   *mean,
                                   const int     *counts,
                                   int            n_pairs)
{
  gsize n = result_cells (self);
  g_autofree char *note = NULL;
  gboolean new_note;

  if (self->n_rows == 0 || self->set != NULL)
    return;
  if (self->running_counts == NULL)
    self->running_counts = g_new (int, n);
  memcpy (self->running_counts, counts, n * sizeof (int));
  self->running_pairs = n_pairs;
  note = running_note (counts, n, n_pairs);
  new_note = g_strcmp0 (note, self->running_note) != 0;
  if (new_note)
    {
      g_free (self->running_note);
      self->running_note = g_steal_pointer (&note);
      if (!self->by_position)
        retitle_running (self);   /* before the values: they lay the figure out again */
    }
  pl_heatmap_pane_update_values (self, mean);
  if (new_note && self->by_position)   /* rebuilt only when its title changes */
    pl_heatmap_pane_show_position_figure (self);
}

void
pl_heatmap_pane_begin_running_mean (PlHeatmapPane *self,
                                    int            n_pairs)
{
  gsize n = result_cells (self);
  g_autofree int *none = g_new0 (int, n);
  g_autofree float *empty = g_new (float, n);

  for (gsize c = 0; c < n; c++)
    empty[c] = NAN;
  pl_heatmap_pane_show_running_mean (self, empty, none, n_pairs);
}

/* A cell of the running mean: its value and how many pairs it holds (after the pane's
 * own line, which says when it is not computed yet). */
static void
describe_running_cell (PlHeatmapPane *self,
                       int            row,
                       int            col)
{
  g_autofree char *text = NULL, *place = NULL;
  gsize cell;
  float v;

  if (self->running_counts == NULL || row < 0 || col < 0 || row >= self->n_rows
      || col >= self->n_cols)
    return;
  cell = set_cell_index (self, row, col);
  v = self->matrix[row * self->n_cols + col];
  if (self->running_counts[cell] == 0 || isnan (v))
    return;
  place = set_cell_place (self, row, col);
  /* Translators: hover line over a set's live figure: the cell, metric, the running
   * mean, the pairs in it of all the set's pairs */
  text = g_strdup_printf (ngettext ("%s · %s = %.4f (running mean, N = %d of %d pair)",
                                    "%s · %s = %.4f (running mean, N = %d of %d pairs)",
                                    self->running_pairs),
                          place, pl_metric_to_string (self->metric), v,
                          self->running_counts[cell], self->running_pairs);
  gtk_label_set_text (self->hover_label, text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->heatmap_view),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
}

/* "mean ± std (N = n)" for a cell of the set's figure; after the pane's own handler, so
 * this line is the one shown. */
static void
on_set_cell_hovered (PlHeatmapView *view,
                     int            row,
                     int            col,
                     PlHeatmapPane *self)
{
  PlSetResult *r = shown_set (self);
  gsize cell = set_cell_index (self, row, col);
  g_autofree char *text = NULL, *place = NULL;

  if (r == NULL)
    {
      describe_running_cell (self, row, col);
      return;
    }
  if (row < 0 || col < 0 || row >= self->n_rows || col >= self->n_cols
      || cell >= (gsize) r->n_cells)
    {
      set_hover_hint_for_set (self);
      return;
    }
  place = set_cell_place (self, row, col);
  /* Translators: hover line over a set's heatmap: the cell ("Layer 3 · position 5
   * “␣Mary”"), metric, mean, standard deviation, number of pairs */
  text = g_strdup_printf (_("%s · %s = %.4f ± %.4f (N = %d)"), place,
                          pl_metric_to_string (self->metric), r->mean[cell], r->std[cell],
                          r->n_pairs);
  gtk_label_set_text (self->hover_label, text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->heatmap_view),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
}

static void
close_pair_side (PlHeatmapPane *self)
{
  if (self->pair_side == NULL)
    return;
  gtk_overlay_remove_overlay (GTK_OVERLAY (gtk_widget_get_parent (GTK_WIDGET (self->heatmap_view))),
                              self->pair_side);
  self->pair_side = NULL;
  self->pair_list = NULL;
}

typedef struct {
  float value;
  guint index;
} PairValue;

/* Highest first; NaN last. */
static int
compare_values (gconstpointer a,
                gconstpointer b)
{
  float x = ((const PairValue *) a)->value, y = ((const PairValue *) b)->value;

  if (isnan (x) || isnan (y))
    return isnan (x) - isnan (y);
  return x < y ? 1 : x > y ? -1 : 0;
}

static GtkWidget *
pair_value_row (const PlSetResult *r,
                const PairValue   *pv)
{
  const PlSetPair *p = &r->pairs[pv->index];
  g_autofree char *value = g_strdup_printf ("%+.4f", pv->value);
  g_autofree char *tip = g_strdup_printf ("%s\n%s", p->clean, p->corrupted);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *v = gtk_label_new (value);
  GtkWidget *name = gtk_label_new (p->name ? p->name : p->clean);

  gtk_widget_add_css_class (v, "numeric");
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (name, TRUE);
  gtk_box_append (GTK_BOX (box), v);
  gtk_box_append (GTK_BOX (box), name);
  gtk_widget_set_tooltip_text (box, tip);
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  gtk_widget_set_margin_top (box, 3);
  gtk_widget_set_margin_bottom (box, 3);
  g_object_set_data (G_OBJECT (box), "pair", GUINT_TO_POINTER (pv->index));
  return box;
}

static void
on_pair_row_activated (GtkListBox    *list,
                       GtkListBoxRow *row,
                       PlHeatmapPane *self)
{
  GtkWidget *child = gtk_list_box_row_get_child (row);

  g_signal_emit_by_name (self, "pair-activated",
                 GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (child), "pair")));
}

static GtkWidget *
pair_side_header (PlHeatmapPane *self,
                  int            row,
                  int            col)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  g_autofree char *text = set_cell_place (self, row, col);
  GtkWidget *label = gtk_label_new (text);
  GtkWidget *close = gtk_button_new_from_icon_name ("window-close-symbolic");

  gtk_widget_add_css_class (label, "heading");
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_add_css_class (close, "flat");
  gtk_widget_set_tooltip_text (close, _("Close the List of Pairs"));
  g_signal_connect_swapped (close, "clicked", G_CALLBACK (close_pair_side), self);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), close);
  return box;
}

/* The side list of the pairs' own values at a clicked cell, highest first. */
static void
on_set_cell_activated (PlHeatmapView *view,
                       int            row,
                       int            col,
                       PlHeatmapPane *self)
{
  PlSetResult *r = shown_set (self);
  gsize cell = set_cell_index (self, row, col);
  g_autofree PairValue *values = NULL;
  GtkWidget *side, *scroller, *hint;

  if (r == NULL || row < 0 || col < 0 || row >= self->n_rows || col >= self->n_cols
      || cell >= (gsize) r->n_cells)
    return;
  close_pair_side (self);
  values = g_new (PairValue, r->n_pairs);
  for (int i = 0; i < r->n_pairs; i++)
    values[i] = (PairValue) { r->matrices[(gsize) i * r->n_cells + cell], (guint) i };
  qsort (values, r->n_pairs, sizeof *values, compare_values);

  side = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_add_css_class (side, "pair-side");
  gtk_widget_add_css_class (side, "card");
  gtk_widget_set_halign (side, GTK_ALIGN_END);
  gtk_widget_set_valign (side, GTK_ALIGN_FILL);
  gtk_widget_set_size_request (side, 260, -1);
  g_object_set (side, "margin-top", 12, "margin-bottom", 12, "margin-end", 12, NULL);
  gtk_box_append (GTK_BOX (side), pair_side_header (self, row, col));
  /* Translators: under the heading of a cell's list: what the list holds */
  hint = gtk_label_new (_("Each pair's own value, highest first. Pick one to see it in the table."));
  gtk_label_set_wrap (GTK_LABEL (hint), TRUE);
  gtk_label_set_xalign (GTK_LABEL (hint), 0);
  gtk_widget_add_css_class (hint, "caption");
  gtk_widget_add_css_class (hint, "dim-label");
  g_object_set (hint, "margin-start", 6, "margin-end", 6, NULL);
  gtk_box_append (GTK_BOX (side), hint);
  self->pair_list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_widget_add_css_class (GTK_WIDGET (self->pair_list), "navigation-sidebar");
  for (int i = 0; i < r->n_pairs; i++)
    gtk_list_box_append (self->pair_list, pair_value_row (r, &values[i]));
  g_signal_connect (self->pair_list, "row-activated", G_CALLBACK (on_pair_row_activated), self);
  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (self->pair_list));
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_box_append (GTK_BOX (side), scroller);
  self->pair_side = side;
  gtk_overlay_add_overlay (GTK_OVERLAY (gtk_widget_get_parent (GTK_WIDGET (self->heatmap_view))),
                           side);
}

/* From init: the Std toggle and the handlers that run after the pane's own. */
void
pl_heatmap_pane_setup_sets (PlHeatmapPane *self)
{
  add_std_toggle (self);
  g_signal_connect_after (self->heatmap_view, "cell-hovered",
                          G_CALLBACK (on_set_cell_hovered), self);
  g_signal_connect_after (self->heatmap_view, "cell-activated",
                          G_CALLBACK (on_set_cell_activated), self);
}
