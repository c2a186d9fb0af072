/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-running-mean.c: the running mean of a set's sweep, cell by cell, as the pairs'
 * progress reports arrive.
 */
#include <math.h>

#include "pl-running-mean.h"

PlRunningMean *
pl_running_mean_new (int n_pairs)
{
  PlRunningMean *rm = g_new0 (PlRunningMean, 1);

  rm->n_pairs = n_pairs;
  rm->clean_value = rm->corrupted_value = NAN;
  rm->seen = g_new0 (guint8 *, n_pairs);
  rm->added = g_new0 (int, n_pairs);
  rm->has_ends = g_new0 (gboolean, n_pairs);
  return rm;
}

/* The arrays of a matrix of n cells, all empty (at the first report, which knows n). */
static void
alloc_cells (PlRunningMean *rm,
             int            n)
{
  rm->n_cells = n;
  rm->mean = g_new (float, n);
  rm->count = g_new0 (int, n);
  rm->sum = g_new0 (double, n);
  for (int c = 0; c < n; c++)
    rm->mean[c] = NAN;
}

static void
add_ends (PlRunningMean         *rm,
          int                    pair,
          const PlSweepProgress *p)
{
  if (rm->has_ends[pair] || !isfinite (p->clean_value) || !isfinite (p->corrupted_value))
    return;
  rm->has_ends[pair] = TRUE;
  rm->ends_sum[0] += p->clean_value;
  rm->ends_sum[1] += p->corrupted_value;
  rm->n_ends++;
  rm->clean_value = rm->ends_sum[0] / rm->n_ends;
  rm->corrupted_value = rm->ends_sum[1] / rm->n_ends;
}

/* The pair's newly computed cells (not NAN, not seen yet) into the sums. The scan
 * stops once it has found as many as the report says are done. */
static void
add_cells (PlRunningMean         *rm,
           int                    pair,
           const PlSweepProgress *p)
{
  guint8 *seen = rm->seen[pair];

  for (int c = 0; c < rm->n_cells && rm->added[pair] < p->cells_done; c++)
    {
      if (seen[c] || isnan (p->matrix[c]))
        continue;
      seen[c] = 1;
      rm->added[pair]++;
      rm->sum[c] += p->matrix[c];
      rm->count[c]++;
      rm->mean[c] = (float) (rm->sum[c] / rm->count[c]);
    }
}

void
pl_running_mean_add (PlRunningMean         *rm,
                     int                    pair,
                     const PlSweepProgress *p)
{
  g_return_if_fail (pair >= 0 && pair < rm->n_pairs);
  add_ends (rm, pair, p);
  if (p->matrix == NULL || p->cells_total <= 0)
    return;
  if (rm->n_cells == 0)
    alloc_cells (rm, p->cells_total);
  g_return_if_fail (p->cells_total == rm->n_cells);
  if (p->cells_done <= rm->added[pair])
    return;   /* nothing new: no scan */
  if (rm->seen[pair] == NULL)
    rm->seen[pair] = g_new0 (guint8, rm->n_cells);
  add_cells (rm, pair, p);
  if (rm->added[pair] == rm->n_cells)
    g_clear_pointer (&rm->seen[pair], g_free);   /* done: its marks are not needed */
}

void
pl_running_mean_free (PlRunningMean *rm)
{
  if (rm == NULL)
    return;
  for (int i = 0; i < rm->n_pairs; i++)
    g_free (rm->seen[i]);
  g_free (rm->seen);
  g_free (rm->added);
  g_free (rm->has_ends);
  g_free (rm->mean);
  g_free (rm->count);
  g_free (rm->sum);
  g_free (rm);
}
