/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-sweep-job.h: one patching sweep on a background thread, reporting to the main loop.
 *
 *   PlSweepJob *job = pl_sweep_job_new (model, inputs, &options);
 *   g_signal_connect (job, "progress", G_CALLBACK (on_progress), self);
 *   g_signal_connect (job, "finished", G_CALLBACK (on_finished), self);
 *   pl_sweep_job_start (job);
 *   ...
 *   pl_sweep_job_cancel (job);   // a new run or the window closing
 *
 * The worker never touches a widget: it copies each progress snapshot into the job and
 * attaches a source to the job's main context to emit "progress" (coalesced: at most one
 * pending). Both signals are emitted by the main context the job was made on, from its
 * own thread (never by the worker, even while that context is idle), never after
 * pl_sweep_job_cancel: a cancelled job drops whatever the worker still delivers. The
 * worker holds a job ref, so the job outlives its window if it has to.
 */
#pragma once

#include <gio/gio.h>

#include "pl-model-loader.h"
#include "pl-shared.h"
#include "pl-sweep.h"
#include "pl-sweep-set.h"

G_BEGIN_DECLS

#define PL_TYPE_SWEEP_JOB (pl_sweep_job_get_type ())
G_DECLARE_FINAL_TYPE (PlSweepJob, pl_sweep_job, PL, SWEEP_JOB, GObject)

/* A finished sweep shared by the window and cell top-k tasks (atomic refcount). */
typedef struct _PlSharedResult PlSharedResult;
PlSharedResult *pl_shared_result_new   (PlSweepResult  *result);   /* takes ownership */
PlSharedResult *pl_shared_result_ref   (PlSharedResult *sr);
void            pl_shared_result_unref (PlSharedResult *sr);
PlSweepResult  *pl_shared_result_get   (PlSharedResult *sr);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlSharedResult, pl_shared_result_unref)

PlSweepJob     *pl_sweep_job_new        (PlLoadedModel        *model,
                                         const PlInputs       *inputs,
                                         const PlSweepOptions *options);
void            pl_sweep_job_start      (PlSweepJob           *self);
void            pl_sweep_job_cancel     (PlSweepJob           *self);
gboolean        pl_sweep_job_is_running (PlSweepJob           *self);

/* The metric of the unpatched clean and corrupted runs (the colour scale's ends),
 * computed before the sweep; FALSE until known. Valid in a "progress" handler. */
gboolean        pl_sweep_job_get_ends   (PlSweepJob           *self,
                                         double               *clean,
                                         double               *corrupted);
/* The latest snapshot (n_layers, n_positions), NAN where not computed; valid in a
 * "progress" handler. */
const float    *pl_sweep_job_get_matrix (PlSweepJob           *self,
                                         int                  *cells_done,
                                         int                  *cells_total,
                                         double               *elapsed);
/* A sweep over a set of pairs (pl_sweep_set_run; set is copied): "progress" counts the
 * cells of all pairs, its matrix is their running mean (pl-running-mean.h: NAN where
 * no pair has the cell yet), its ends the running mean of the unpatched runs' metric;
 * after "finished", pl_sweep_job_get_set_result. */
PlSweepJob     *pl_sweep_job_new_set    (PlLoadedModel        *model,
                                         const PlPairSet      *set,
                                         const PlSweepOptions *options);
gboolean        pl_sweep_job_is_set     (PlSweepJob           *self);
/* A set's job: how many pairs each cell of pl_sweep_job_get_matrix's running mean
 * holds, of *n_pairs (NULL before the first "progress", and for a single pair); valid
 * in a "progress" handler. */
const int      *pl_sweep_job_get_counts (PlSweepJob           *self,
                                         int                  *n_pairs);
/* After "finished" of a set's job: a PlShared of PlSetResult (NULL on error). */
PlShared       *pl_sweep_job_get_set_result (PlSweepJob       *self);
/* After "finished": the result (NULL on error) or the error. */
PlSharedResult *pl_sweep_job_get_result (PlSweepJob           *self);
const GError   *pl_sweep_job_get_error  (PlSweepJob           *self);
/* A new ref to the model the sweep runs on. */
PlLoadedModel  *pl_sweep_job_get_model  (PlSweepJob           *self);

G_END_DECLS
