/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-heatmap.h: the patching heatmap, drawn with cairo onto any surface, so the screen
 * and the PNG, SVG and PDF exports are one drawing.
 *
 *   PlHeatmap *hm = pl_heatmap_new_from_result (result);   // or fill one by hand
 *   double w, h;
 *   pl_heatmap_get_size (hm, &w, &h);            // natural size in points at scale 1
 *   pl_heatmap_draw (hm, cr);                    // draws in [0,w] x [0,h] user space
 *   pl_heatmap_export (hm, PL_FIGURE_PDF, "fig.pdf", 1.0, &error);
 *
 * The figure: a title, rows = layers (0 at the top), columns = positions labelled with
 * their tokens (rotated when long, leading spaces shown as ␣), a colour bar labelled
 * with the metric, a diverging colour map centred on zero (or viridis). Labels are never
 * clipped: the natural size grows with the number of rows and columns and the label
 * widths. The caller zooms and pans by transforming cr before drawing.
 *
 * From a head-site result: rows = layers and columns = heads; by position, one row per
 * (layer, head) labelled "layer.head" and columns = positions (see pl-heatmap.c).
 */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "pl-colormap.h"   /* PlColormap */
#include "pl-figure.h"     /* PlFigureFormat, pl_figure_format_from_path */
#include "pl-sweep.h"

G_BEGIN_DECLS

typedef struct _PlHeatmap PlHeatmap;

PlHeatmap *pl_heatmap_new             (int          n_rows,
                                       int          n_cols);
/* Copies the matrix, labels, title ("resid_post patching: gpt2") and colour bar label. */
PlHeatmap *pl_heatmap_new_from_result (const PlSweepResult *result);
void       pl_heatmap_free            (PlHeatmap   *hm);

/* value NAN = not computed yet (drawn as a hatched grey cell). */
void       pl_heatmap_set_value       (PlHeatmap   *hm,
                                       int          row,
                                       int          col,
                                       float        value);
void       pl_heatmap_set_values      (PlHeatmap   *hm,
                                       const float *matrix);   /* (n_rows, n_cols) */
void       pl_heatmap_set_col_label   (PlHeatmap   *hm,
                                       int          col,
                                       const char  *label);
/* Replaces the row's number (e.g. "3.7" for head 7 of layer 3). */
void       pl_heatmap_set_row_label   (PlHeatmap   *hm,
                                       int          row,
                                       const char  *label);
void       pl_heatmap_set_title       (PlHeatmap   *hm,
                                       const char  *title);
/* The title drawn above the figure (NULL when none). */
const char *pl_heatmap_get_title      (PlHeatmap   *hm);
void       pl_heatmap_set_value_label (PlHeatmap   *hm,
                                       const char  *label);
void       pl_heatmap_set_row_title   (PlHeatmap   *hm,
                                       const char  *title);    /* "Layer" */
void       pl_heatmap_set_col_title   (PlHeatmap   *hm,
                                       const char  *title);    /* "Position (token)" */
/* The colour limits cover [min (a, b), max (a, b)] as well as the values: a figure from
 * a result spans the unpatched runs' metric (clean to corrupted), so a live figure given
 * the same ends keeps its scale while its cells arrive. */
void       pl_heatmap_include_range   (PlHeatmap   *hm,
                                       double       a,
                                       double       b);
void       pl_heatmap_set_colormap    (PlHeatmap   *hm,
                                       PlColormap   cmap);
/* Fixed colour limits (probabilities: 0, 1); NAN, NAN = from the values (default). */
void       pl_heatmap_set_limits      (PlHeatmap   *hm,
                                       double       vmin,
                                       double       vmax);
/* Text written inside a cell (a token, say), in black or white for contrast; cells
 * widen to fit the longest (texts over 12 characters are cut with …). */
void       pl_heatmap_set_cell_text   (PlHeatmap   *hm,
                                       int          row,
                                       int          col,
                                       const char  *text);
/* Multiplies every font size (presentation mode uses 1.6). */
void       pl_heatmap_set_font_scale  (PlHeatmap   *hm,
                                       double       scale);
/* Outlines one cell (-1, -1 for none). */
void       pl_heatmap_set_selection   (PlHeatmap   *hm,
                                       int          row,
                                       int          col);
/* Text colour for labels (the GUI passes its theme's; exports use black). */
void       pl_heatmap_set_foreground  (PlHeatmap   *hm,
                                       double r, double g, double b);

int        pl_heatmap_get_n_rows      (PlHeatmap   *hm);
int        pl_heatmap_get_n_cols      (PlHeatmap   *hm);
void       pl_heatmap_get_size        (PlHeatmap   *hm,
                                       double      *width,
                                       double      *height);
void       pl_heatmap_draw            (PlHeatmap   *hm,
                                       cairo_t     *cr);
/* (x, y) in the figure's user space; TRUE and the cell when it falls on one. */
gboolean   pl_heatmap_hit_test        (PlHeatmap   *hm,
                                       double       x,
                                       double       y,
                                       int         *row,
                                       int         *col);
/* The rectangle of the grid (cells only) in user space. */
void       pl_heatmap_get_grid_rect   (PlHeatmap   *hm,
                                       double *x, double *y, double *w, double *h);

/* Writes atomically (temporary file then rename). scale multiplies the pixel size of a
 * PNG (1.0 = 1 px per point, 2.0 for a sharp figure in a report); ignored for SVG/PDF. */
gboolean   pl_heatmap_export          (PlHeatmap      *hm,
                                       PlFigureFormat  format,
                                       const char     *path,
                                       double          scale,
                                       GError        **error);

/* A token as the figures show it: leading spaces as ␣, line breaks as ⏎, tabs as ⇥
 * (what set_col_label does to its label). Free with g_free. */
char      *pl_heatmap_display_token   (const char     *piece);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlHeatmap, pl_heatmap_free)

G_END_DECLS
