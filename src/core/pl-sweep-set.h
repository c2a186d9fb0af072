/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-sweep-set.h: the activation-patching sweep over a set of prompt pairs: every pair's
 * own matrix, their mean and their population standard deviation.
 *
 *   g_autoptr(PlPairSet) set = pl_pair_set_load (tok, n_ctx, "ioi.jsonl", &error);
 *   PlSweepOptions opt = PL_SWEEP_OPTIONS_INIT;
 *   g_autoptr(PlSetResult) r = pl_sweep_set_run (model, set, &opt, on_progress, data,
 *                                                cancellable, &error);
 *   float mean = r->mean[cell], std = r->std[cell], own = r->matrices[i * r->n_cells + cell];
 *
 * Each pair is swept as pl_sweep_run sweeps a single pair, with the same options (site,
 * metric, direction): every metric is computed per pair (restored is normalised by the
 * pair's own clean and corrupted runs) and then averaged. std divides by N. Cells are
 * in the order of the single-pair matrix. The pairs share the loaded model, and for
 * block sites the fast schedule sweeps several pairs at once, their runs stacked into
 * the same matrix products (each pair's matrix equals its single-pair sweep's to fp32
 * rounding; with OpenBLAS's SkylakeX kernels on GPT-2 shapes, exactly). Memory: at
 * most 64 pairs or 128 MiB of their caches at a time, so a set of any size fits.
 *
 * Writing it as JSON, CSV and a figure: pl-sweep-set-io.h.
 *
 * pl_sweep_set_run blocks: call it from a worker thread. progress counts the cells of
 * all pairs and gives their running mean (the live figure's); a cancelled run returns NULL with G_IO_ERROR_CANCELLED. An error in one
 * pair (e.g. restored undefined) names the pair and its line.
 */
#pragma once

#include <gio/gio.h>

#include "pl-model.h"
#include "pl-pair-set.h"
#include "pl-running-mean.h"
#include "pl-sweep.h"

G_BEGIN_DECLS

typedef struct {
  int                    cells_done;    /* over all pairs */
  int                    cells_total;   /* n_pairs x cells of one matrix */
  int                    pairs_done;
  int                    n_pairs;
  double                 elapsed;       /* seconds since the run started */
  const PlSweepProgress *pair;          /* the progress of the pair being swept */
  /* The running mean of every cell over the pairs that have computed it, with this
   * report's cells in it (pl-running-mean.h); after the last report it is the set's
   * mean to float rounding. Like pair, valid during the call only. */
  const PlRunningMean   *running;
} PlSetProgress;

typedef void (*PlSetProgressFunc) (const PlSetProgress *progress,
                                   gpointer             user_data);

typedef struct {
  char   *name;              /* NULL when the set gave none */
  int     line;              /* the line of the set file it came from */
  char   *clean;             /* the texts */
  char   *corrupted;
  char   *clean_answer;
  char   *corrupted_answer;
  gint32  clean_answer_id;
  gint32  corrupted_answer_id;
  double  clean_value;       /* the metric of its unpatched clean and corrupted runs */
  double  corrupted_value;
} PlSetPair;

typedef struct {
  int             n_pairs;
  int             n_cells;     /* cells of one matrix */
  PlSetPair      *pairs;       /* n_pairs, in file order */
  /* The first pair's result, with its matrix replaced by the mean and its inputs by
   * labels for the whole set (a token where every pair has it, else the first pair's
   * followed by "…"); its final_hidden is NULL. It gives the site, metric, shape and
   * axes, and draws as the figure of the mean. */
  PlSweepResult  *summary;
  float          *mean;        /* (n_cells) == summary->matrix */
  float          *std;         /* (n_cells) population standard deviation */
  float          *matrices;    /* (n_pairs, n_cells) each pair's own */
  double          seconds;
} PlSetResult;

PlSetResult *pl_sweep_set_run     (PlModel               *model,
                                   const PlPairSet       *set,
                                   const PlSweepOptions  *options,
                                   PlSetProgressFunc      progress,
                                   gpointer               user_data,
                                   GCancellable          *cancellable,
                                   GError               **error);
void         pl_set_result_free   (PlSetResult           *result);
/* The first pair's inputs labelled for the whole set, as the summary's are: what a live
 * figure of the set's sweep is labelled with, so that nothing moves when it ends. */
PlInputs    *pl_sweep_set_labels  (const PlPairSet       *set);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlSetResult, pl_set_result_free)

G_END_DECLS
