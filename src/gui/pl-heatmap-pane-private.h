/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-heatmap-pane-private.h: what pl-heatmap-pane.c and pl-heatmap-pane-sets.c (the
 * sets of pairs' part of the pane) share.
 */
#pragma once

#include "pl-heatmap-pane.h"

G_BEGIN_DECLS

struct _PlHeatmapPane {
  GtkWidget      parent_instance;

  PlHeatmapView *heatmap_view;
  GtkLabel      *hover_label;
  GtkWidget     *stale_box;
  GtkWidget     *position_bar;
  GtkDropDown   *position_dropdown;

  float         *matrix;        /* (n_rows, n_cols): what the figure shows */
  int            n_rows, n_cols;
  char         **positions;     /* n_tokens: "␣was", or "␣Jones/␣Smith" where they differ */
  int            n_tokens;
  PlMetric       metric;
  /* The shown result's shape (pl-heatmap.c draws head results): block sites
   * layer × position; heads layer × head, or by position one row per (layer, head)
   * against the positions. */
  PlSite         site;
  gboolean       by_position;
  int            n_heads;
  /* By position the figure is one position's layer × head grid (pos_shown); full is
   * the whole (layer, position, head) matrix and pos_result a result of the shown
   * shape whose matrix is that slice, for pl_heatmap_new_from_result. */
  float         *full;
  int            pos_shown;
  PlSweepResult *pos_result;
  char          *model_name;
  double         range[2];   /* the live figure's unpatched ends (include_range) */
  gboolean       stale;

  /* Sets of pairs: see the section at the end. */
  PlShared      *set;           /* of PlSetResult; NULL: a single pair's result */
  gboolean       show_std;
  GtkWidget     *pair_side;     /* the clicked cell's list, over the figure's right */
  GtkWidget     *std_toggle;    /* mean or std, beside the hover line */
  GtkListBox    *pair_list;
  /* A set's sweep running: each cell's count of pairs in the running mean shown (the
   * result's order; NULL otherwise), out of running_pairs, and the title's note. */
  int           *running_counts;
  int            running_pairs;
  char          *running_note;
};

/* The figure, dressed with r's labels (hm taken; NULL clears). */
void pl_heatmap_pane_show_heatmap (PlHeatmapPane       *self,
                                   PlHeatmap           *hm,
                                   const PlSweepResult *r);
/* By position: the shown position's figure, made afresh. */
void pl_heatmap_pane_show_position_figure (PlHeatmapPane  *self);
/* Forgets the running mean (a new figure replaces it). */
void pl_heatmap_pane_clear_running (PlHeatmapPane      *self);
/* From init: the Std toggle and the sets' hover and click handlers. */
void pl_heatmap_pane_setup_sets   (PlHeatmapPane       *self);

G_END_DECLS
