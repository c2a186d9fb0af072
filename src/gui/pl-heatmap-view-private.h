/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-heatmap-view-private.h: what the tests need to reach inside PlHeatmapView without
 * synthesising input events.
 */
#pragma once

#include "pl-heatmap-view.h"

G_BEGIN_DECLS

/* (x, y) in widget coordinates; TRUE and the cell when it falls on one. */
gboolean pl_heatmap_view_cell_at          (PlHeatmapView *self,
                                           double         x,
                                           double         y,
                                           int           *row,
                                           int           *col);
/* Figure user space to widget coordinates, through the current pan and zoom. */
void     pl_heatmap_view_figure_to_widget (PlHeatmapView *self,
                                           double         fx,
                                           double         fy,
                                           double        *x,
                                           double        *y);
/* What the motion controller and the click gesture do at (x, y). */
void     pl_heatmap_view_hover_at         (PlHeatmapView *self,
                                           double         x,
                                           double         y);
void     pl_heatmap_view_leave            (PlHeatmapView *self);
void     pl_heatmap_view_activate_at      (PlHeatmapView *self,
                                           double         x,
                                           double         y);
/* What a drag by (dx, dy) pixels does. */
void     pl_heatmap_view_pan_by           (PlHeatmapView *self,
                                           double         dx,
                                           double         dy);

G_END_DECLS
