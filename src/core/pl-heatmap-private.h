/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-heatmap-private.h: PlHeatmap's state and its laid-out figure, shared by the files
 * that make the heatmap (one concern each): pl-heatmap.c (the object, setters, geometry,
 * export), pl-heatmap-layout.c (measuring labels, placing them around the grid) and
 * pl-heatmap-draw.c (painting the placed figure). Not for use outside those files.
 */
#pragma once

#include <pango/pangocairo.h>

#include "pl-heatmap.h"

G_BEGIN_DECLS

typedef enum {
  FONT_TICK,
  FONT_AXIS,
  FONT_TITLE,
} FontKind;

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
  double      range[2];      /* the colour limits cover these too; NAN: not set */
  double      font_scale;
  int         sel_row;
  int         sel_col;
  double      fg[3];
  Figure     *fig;           /* the layout; NULL when something changed */
};

/* The layout, computed on first use after anything that can move a label. */
Figure *pl_heatmap_ensure_layout (PlHeatmap *hm);
/* Drops the layout: the next draw or measurement lays the figure out again. */
void    pl_heatmap_invalidate    (PlHeatmap *hm);

/* Unhinted metrics and unrounded glyph positions on ctx: the size measured once is the
 * size drawn on any surface at any zoom. */
void    pl_heatmap_setup_pango_context (PangoContext *ctx);
/* Font, wrapping and text of label l on layout. */
void    pl_heatmap_setup_layout        (PangoLayout  *layout,
                                        const Label  *l,
                                        double        font_scale);

G_END_DECLS
