/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-heatmap-view.h: the widget that shows a PlHeatmap and lets the user zoom, pan,
 * hover and click cells.
 *
 *   GtkWidget *view = pl_heatmap_view_new ();
 *   pl_heatmap_view_set_heatmap (PL_HEATMAP_VIEW (view), pl_heatmap_new_from_result (r));
 *   g_signal_connect (view, "cell-activated", G_CALLBACK (on_cell), self);
 *   pl_heatmap_view_update_values (PL_HEATMAP_VIEW (view), progress->matrix);  // live
 *
 * The figure is fitted to the widget until the user zooms or pans; zoom_fit returns to
 * that mode. Ctrl+scroll and pinch zoom, dragging and plain scrolling pan. The figure
 * is kept on screen: when smaller than the widget it is centred, when larger it cannot
 * be dragged past its edges.
 *
 * It takes the keyboard focus: the arrows (and Home, End) move the selected cell (the
 * figure pans to keep it on screen) and report it as hovered; Enter or Space activates it.
 *
 * Signals:
 *   "cell-hovered"   (int row, int col)  the cell under the pointer; -1, -1 when none
 *   "cell-activated" (int row, int col)  a cell was clicked (it is now the selection)
 *   "cell-opened"    (int row, int col)  double-clicked, or Enter (after "cell-activated")
 * Property:
 *   "zoom" (double)  widget pixels per figure point
 */
#pragma once

#include <gtk/gtk.h>

#include "pl-heatmap.h"

G_BEGIN_DECLS

#define PL_TYPE_HEATMAP_VIEW (pl_heatmap_view_get_type ())
G_DECLARE_FINAL_TYPE (PlHeatmapView, pl_heatmap_view, PL, HEATMAP_VIEW, GtkWidget)

GtkWidget *pl_heatmap_view_new            (void);

/* Takes ownership of hm; NULL clears the view. Returns to fit mode. If the view's
 * colormap or font scale were set, they are applied to hm. */
void       pl_heatmap_view_set_heatmap    (PlHeatmapView *self,
                                           PlHeatmap     *hm);
/* Borrowed; NULL when empty. After changing it directly, call gtk_widget_queue_draw. */
PlHeatmap *pl_heatmap_view_get_heatmap    (PlHeatmapView *self);

/* matrix is (n_rows, n_cols) of the current heatmap, NAN = not computed yet. */
void       pl_heatmap_view_update_values  (PlHeatmapView *self,
                                           const float   *matrix);

void       pl_heatmap_view_zoom_in        (PlHeatmapView *self);
void       pl_heatmap_view_zoom_out       (PlHeatmapView *self);
void       pl_heatmap_view_zoom_fit       (PlHeatmapView *self);
double     pl_heatmap_view_get_zoom       (PlHeatmapView *self);
/* Fitting never draws the figure below this zoom (a figure whose cells hold text must
 * stay readable): a larger figure opens at it, panned to its top-left corner, and the
 * user pans. 0 (the default): no floor. */
void       pl_heatmap_view_set_min_fit_zoom (PlHeatmapView *self,
                                             double         zoom);

/* The selected row (layer), and its column in *col; -1 when none. */
int        pl_heatmap_view_get_selected   (PlHeatmapView *self,
                                           int           *col);

/* Kept across set_heatmap calls. */
void       pl_heatmap_view_set_font_scale (PlHeatmapView *self,
                                           double         scale);
void       pl_heatmap_view_set_colormap   (PlHeatmapView *self,
                                           PlColormap     cmap);

G_END_DECLS
