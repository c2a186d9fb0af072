/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-running-mean.h: the mean over a set of pairs of every cell known so far, kept up
 * to date as the pairs' sweeps report (what the live figure of a set's sweep shows).
 *
 *   PlRunningMean *rm = pl_running_mean_new (n_pairs);
 *   pl_running_mean_add (rm, i, pair_progress);   // each report of pair i
 *   float m = rm->mean[cell];                      // NAN while rm->count[cell] == 0
 *   pl_running_mean_free (rm);
 *
 * The definition: mean[c] is the mean of the values computed so far for cell c, over
 * the count[c] pairs that have computed it (pairs swept together fill their cells in
 * turns, so counts differ from cell to cell). Once every pair is done, count[c] is
 * n_pairs and mean[c] is the set's mean to float rounding (summed in the order the
 * cells arrived, in double). Each report costs O(cells of one matrix) at most: a
 * pair's cells are added once, when first seen, and nothing is recomputed.
 */
#pragma once

#include "pl-sweep.h"

G_BEGIN_DECLS

typedef struct {
  int      n_pairs;
  int      n_cells;       /* of one matrix; 0 until the first report */
  float   *mean;          /* (n_cells) NAN where count is 0 */
  int     *count;         /* (n_cells) pairs in each cell's mean */
  /* The mean of the unpatched runs' metric (the colour scale's ends) over the
   * n_ends pairs that have reported them; NAN while none has. */
  double   clean_value;
  double   corrupted_value;
  int      n_ends;
  /* private */
  double  *sum;           /* (n_cells) */
  double   ends_sum[2];
  guint8 **seen;          /* (n_pairs) a running pair's cells already added, else NULL */
  int     *added;         /* (n_pairs) cells of each pair added */
  gboolean *has_ends;     /* (n_pairs) */
} PlRunningMean;

PlRunningMean *pl_running_mean_new  (int                    n_pairs);
/* Adds what pair's report p holds that was not added yet. */
void           pl_running_mean_add  (PlRunningMean         *rm,
                                     int                    pair,
                                     const PlSweepProgress *p);
void           pl_running_mean_free (PlRunningMean         *rm);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlRunningMean, pl_running_mean_free)

G_END_DECLS
