/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-heatmap-pane.h: the middle of the window: the heatmap view, the line under it that
 * names the hovered cell and its value, the zoom buttons, and the mark over a result
 * whose inputs are no longer the ones typed ("stale": dimmed, with Run Again).
 *
 *   pl_heatmap_pane_show_live (pane, model_name, inputs, site, metric, n_layers);
 *   pl_heatmap_pane_update_values (pane, progress_matrix);   // as cells arrive
 *   pl_heatmap_pane_show_result (pane, result);              // finished or opened
 *   pl_heatmap_pane_set_stale (pane, TRUE);
 *   g_signal_connect (pane, "cell-activated", G_CALLBACK (on_cell), self);
 *
 * The live figure is built exactly as the finished one will be (labels, titles, layout),
 * so nothing moves when the sweep ends. Head results: layer × head (columns H0…); by
 * position, the layer × head grid of one position chosen in a drop-down above the
 * figure (a grid of every (layer, head) row against the positions is unreadable for
 * GPT-2's 144 heads; the exported figure has them all, pl-heatmap.c's layout).
 * The signals' row and col are the result's figure layout: by position row l H + h and
 * column p, as pl_sweep_cell_topk takes them.
 *
 * Signals: "cell-activated" (int row, int col): a click, or Enter on the selected cell;
 * "cell-opened" (int row, int col): a double click, or Enter (the window opens a head
 * cell's attention pattern).
 */
#pragma once

#include <gtk/gtk.h>

#include "pl-heatmap-view.h"
#include "pl-shared.h"
#include "pl-sweep.h"
#include "pl-sweep-set.h"

G_BEGIN_DECLS

#define PL_TYPE_HEATMAP_PANE (pl_heatmap_pane_get_type ())
G_DECLARE_FINAL_TYPE (PlHeatmapPane, pl_heatmap_pane, PL, HEATMAP_PANE, GtkWidget)

/* An empty figure for a sweep about to run; inputs is borrowed for the call. */
void           pl_heatmap_pane_show_live     (PlHeatmapPane  *self,
                                              const char     *model_name,
                                              const PlInputs *inputs,
                                              PlSite          site,
                                              PlMetric        metric,
                                              int             n_layers);
/* The same for any options (head sites: direction, granularity, n_heads the model's). */
void           pl_heatmap_pane_show_live_sweep (PlHeatmapPane        *self,
                                                const char           *model_name,
                                                const PlInputs       *inputs,
                                                const PlSweepOptions *opt,
                                                int                   n_layers,
                                                int                   n_heads);
/* The sweep's progress matrix in the result's order (by position: layer, position,
 * head), NAN where not computed yet. */
void           pl_heatmap_pane_update_values (PlHeatmapPane  *self,
                                              const float    *matrix);
/* A finished result (borrowed for the call); NULL clears the pane. */
void           pl_heatmap_pane_show_result   (PlHeatmapPane  *self,
                                              const PlSweepResult *result);
/* The live figure's colour scale spans a to b (the unpatched runs' metric) too. */
void           pl_heatmap_pane_include_range (PlHeatmapPane  *self,
                                              double          a,
                                              double          b);
gboolean       pl_heatmap_pane_has_figure    (PlHeatmapPane  *self);
void           pl_heatmap_pane_set_stale     (PlHeatmapPane  *self,
                                              gboolean        stale);
gboolean       pl_heatmap_pane_get_stale     (PlHeatmapPane  *self);
PlHeatmapView *pl_heatmap_pane_get_view      (PlHeatmapPane  *self);
const char    *pl_heatmap_pane_get_hover_text (PlHeatmapPane *self);
/* Titles and labels the app gives a figure of r (the screen's and the exports'):
 * "Layer" × "Position (token)", or heads "H0"… as columns, or "Layer.head" rows. */
void           pl_heatmap_pane_dress         (PlHeatmap           *hm,
                                              const PlSweepResult *r);
/* By position: the position whose layer × head grid is shown (-1 otherwise), and the
 * drop-down above the figure that chooses it. */
int            pl_heatmap_pane_get_position  (PlHeatmapPane  *self);
GtkDropDown   *pl_heatmap_pane_get_position_dropdown (PlHeatmapPane *self);
/* The value at (row, col) of the figure: NAN when not computed or out of range. By
 * position, in the result's figure layout (pl-heatmap.c's): row l H + h, column p, for
 * every position (not only the shown one). */
float          pl_heatmap_pane_get_value     (PlHeatmapPane  *self,
                                              int             row,
                                              int             col);

/* ---- sets of pairs (pl-heatmap-pane-sets.c) ----
 * The mean of a set's sweep, titled "mean of N pairs"; hovering says mean ± std and N;
 * clicking a cell opens a side list of the pairs' own values there, sorted, whose rows
 * emit "pair-activated" (guint index in the set). set_result: a PlShared of PlSetResult,
 * ref'd; NULL returns to single results. */
void           pl_heatmap_pane_show_set      (PlHeatmapPane  *self,
                                              PlShared       *set_result);
/* During a set's sweep (after pl_heatmap_pane_show_live_sweep): the running mean,
 * NAN where no pair has the cell yet, and counts[cell] the pairs in each cell's mean
 * (pl-running-mean.h; both in the result's order, borrowed). The title says "running
 * mean of n of N pairs" (a range of n where cells differ); hovering, a cell's count. */
void           pl_heatmap_pane_show_running_mean (PlHeatmapPane *self,
                                                  const float   *mean,
                                                  const int     *counts,
                                                  int            n_pairs);
/* The same before any value: every cell empty, titled "running mean of 0 of N pairs". */
void           pl_heatmap_pane_begin_running_mean (PlHeatmapPane *self,
                                                   int            n_pairs);
/* The standard deviation as its own heatmap instead of the mean. */
void           pl_heatmap_pane_set_show_std  (PlHeatmapPane  *self,
                                              gboolean        show_std);
gboolean       pl_heatmap_pane_get_show_std  (PlHeatmapPane  *self);
/* The side list of a clicked cell (GtkListBox; NULL while none is open): each row's
 * label reads "value  pair". */
GtkListBox    *pl_heatmap_pane_get_pair_list (PlHeatmapPane  *self);

G_END_DECLS
