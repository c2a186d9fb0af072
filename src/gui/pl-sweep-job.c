/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-sweep-job.c: pl_sweep_run on a GThread, with progress snapshots marshalled to the
 * main loop through idle sources holding a job ref.
 */
#include "pl-sweep-job.h"
#include "pl-main-context.h"
#include "pl-shared.h"

#include <math.h>
#include <string.h>

/* PlSharedResult is a PlShared owning a PlSweepResult. */

PlSharedResult *
pl_shared_result_new (PlSweepResult *result)
{
  return (PlSharedResult *) pl_shared_new (result, (GDestroyNotify) pl_sweep_result_free);
}

PlSharedResult *
pl_shared_result_ref (PlSharedResult *sr)
{
  return (PlSharedResult *) pl_shared_ref ((PlShared *) sr);
}

void
pl_shared_result_unref (PlSharedResult *sr)
{
  pl_shared_unref ((PlShared *) sr);
}

PlSweepResult *
pl_shared_result_get (PlSharedResult *sr)
{
  return pl_shared_get ((PlShared *) sr);
}

struct _PlSweepJob {
  GObject         parent_instance;

  PlLoadedModel  *model;
  PlInputs       *inputs;
  PlSweepOptions  options;
  GMainContext   *context;      /* where the signals are emitted */
  GCancellable   *cancellable;
  gboolean        running;      /* main thread only */

  /* Written by the worker, read on the main thread, under lock. */
  GMutex          lock;
  float          *pending;      /* (n_layers, n_positions) latest snapshot */
  int            *pending_counts;   /* a set's: the pairs in each cell's running mean */
  gsize           n_cells;
  int             pending_done, pending_total;
  double          pending_elapsed;
  double          pending_ends[2];  /* the metric of the clean and corrupted runs */
  gboolean        pending_has_ends;
  gboolean        invoke_queued;

  /* Main thread copy handed to "progress" handlers. */
  float          *shown;
  int            *shown_counts;
  int             shown_done, shown_total;
  double          shown_elapsed;
  double          shown_ends[2];
  gboolean        shown_has_ends;

  PlSharedResult *result;
  GError         *error;

  /* A set's sweep: the set (a copy) and its result. */
  PlPairSet      *set;
  PlShared       *set_result;
};

G_DEFINE_FINAL_TYPE (PlSweepJob, pl_sweep_job, G_TYPE_OBJECT)

enum { SIGNAL_PROGRESS, SIGNAL_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
pl_sweep_job_finalize (GObject *object)
{
  PlSweepJob *self = PL_SWEEP_JOB (object);

  g_clear_pointer (&self->model, pl_loaded_model_unref);
  g_clear_pointer (&self->inputs, pl_inputs_free);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_object (&self->cancellable);
  g_mutex_clear (&self->lock);
  g_free (self->pending);
  g_free (self->shown);
  g_free (self->pending_counts);
  g_free (self->shown_counts);
  g_clear_pointer (&self->result, pl_shared_result_unref);
  g_clear_error (&self->error);
  g_clear_pointer (&self->set, pl_pair_set_free);
  g_clear_pointer (&self->set_result, pl_shared_unref);
  G_OBJECT_CLASS (pl_sweep_job_parent_class)->finalize (object);
}

static void
pl_sweep_job_class_init (PlSweepJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pl_sweep_job_finalize;

  /* Emitted on the main context with a fresh snapshot; see pl_sweep_job_get_matrix. */
  signals[SIGNAL_PROGRESS] = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 0);
  /* Emitted once when the sweep ends with a result or an error (not after cancel). */
  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 0);
}

static void
pl_sweep_job_init (PlSweepJob *self)
{
  g_mutex_init (&self->lock);
  self->cancellable = g_cancellable_new ();
  self->context = g_main_context_ref_thread_default ();
}

PlSweepJob *
pl_sweep_job_new (PlLoadedModel        *model,
                  const PlInputs       *inputs,
                  const PlSweepOptions *options)
{
  PlSweepJob *self = g_object_new (PL_TYPE_SWEEP_JOB, NULL);

  self->model = pl_loaded_model_ref (model);
  self->inputs = pl_inputs_copy (inputs);
  self->options = *options;
  return self;
}

/* Main context: move the worker's latest snapshot to the shown copy and emit. */
static gboolean
emit_progress (gpointer data)
{
  PlSweepJob *self = data;

  g_mutex_lock (&self->lock);
  self->invoke_queued = FALSE;
  if (self->shown == NULL)
    self->shown = g_new (float, self->n_cells);
  memcpy (self->shown, self->pending, self->n_cells * sizeof (float));
  if (self->pending_counts != NULL)
    {
      if (self->shown_counts == NULL)
        self->shown_counts = g_new (int, self->n_cells);
      memcpy (self->shown_counts, self->pending_counts, self->n_cells * sizeof (int));
    }
  self->shown_done = self->pending_done;
  self->shown_total = self->pending_total;
  self->shown_elapsed = self->pending_elapsed;
  self->shown_ends[0] = self->pending_ends[0];
  self->shown_ends[1] = self->pending_ends[1];
  self->shown_has_ends = self->pending_has_ends;
  g_mutex_unlock (&self->lock);

  if (!g_cancellable_is_cancelled (self->cancellable))
    g_signal_emit (self, signals[SIGNAL_PROGRESS], 0);
  return G_SOURCE_REMOVE;
}

/* Worker thread: copy the snapshot (and a set's running mean's counts and ends, under
 * the same lock so that the main loop never pairs one report's values with another's
 * counts); queue at most one emission at a time so a fast sweep cannot flood the main
 * loop. */
static void
store_progress (PlSweepJob            *self,
                const PlSweepProgress *progress,
                const PlRunningMean   *running)
{
  gboolean queue;

  g_mutex_lock (&self->lock);
  if (progress->matrix != NULL)   /* a set's before any cell: counts only */
    memcpy (self->pending, progress->matrix, self->n_cells * sizeof (float));
  if (running != NULL && progress->matrix != NULL)
    memcpy (self->pending_counts, running->count, self->n_cells * sizeof (int));
  if (running != NULL && running->n_ends > 0)
    {
      self->pending_ends[0] = running->clean_value;
      self->pending_ends[1] = running->corrupted_value;
      self->pending_has_ends = TRUE;
    }
  self->pending_done = progress->cells_done;
  self->pending_total = progress->cells_total;
  self->pending_elapsed = progress->elapsed;
  queue = !self->invoke_queued;
  self->invoke_queued = TRUE;
  g_mutex_unlock (&self->lock);

  if (queue)
    pl_run_on_context (self->context, "pl-sweep-job", emit_progress,
                       g_object_ref (self), g_object_unref);
}

static void
on_sweep_progress (const PlSweepProgress *progress,
                   gpointer               user_data)
{
  store_progress (user_data, progress, NULL);
}

typedef struct {
  PlSweepJob    *job;      /* owned */
  PlSweepResult *result;   /* owned */
  PlSetResult   *set_result;   /* owned; a set's job */
  GError        *error;
} Finish;

static gboolean
emit_finished (gpointer data)
{
  Finish *f = data;
  PlSweepJob *self = f->job;

  self->running = FALSE;
  if (!g_cancellable_is_cancelled (self->cancellable))
    {
      if (f->result != NULL)
        self->result = pl_shared_result_new (g_steal_pointer (&f->result));
      if (f->set_result != NULL)
        self->set_result = pl_shared_new (g_steal_pointer (&f->set_result),
                                          (GDestroyNotify) pl_set_result_free);
      self->error = g_steal_pointer (&f->error);
      g_signal_emit (self, signals[SIGNAL_FINISHED], 0);
    }
  g_clear_pointer (&f->result, pl_sweep_result_free);
  g_clear_pointer (&f->set_result, pl_set_result_free);
  g_clear_error (&f->error);
  g_object_unref (f->job);
  g_free (f);
  return G_SOURCE_REMOVE;
}

/* The metric of one unpatched run from its next-token logits (V): the same formulas
 * as the sweep's (pl-sweep.c), for the colour scale's ends only. clean_a is the clean
 * run's logit of the clean answer (logit-delta's reference). */
static double
unpatched_metric (const PlSweepOptions *opt,
                  const PlInputs       *in,
                  const float          *logits,
                  int                   V,
                  double                clean_a,
                  gboolean              is_clean)
{
  double a = logits[in->clean_answer_id], b = logits[in->corrupted_answer_id];
  double max = -INFINITY, sum = 0;

  switch (opt->metric)
    {
    case PL_METRIC_LOGIT_DIFF:
      return b - a;
    case PL_METRIC_LOGIT_DELTA:
      return a - clean_a;
    case PL_METRIC_PROB_DIFF:
      for (int i = 0; i < V; i++)
        max = MAX (max, logits[i]);
      for (int i = 0; i < V; i++)
        sum += exp (logits[i] - max);
      return (exp (b - max) - exp (a - max)) / sum;
    case PL_METRIC_RESTORED:
      return is_clean ? 1.0 : 0.0;   /* by its definition */
    default:
      return NAN;
    }
}

/* Worker: the metric of the clean and the corrupted run, before the sweep, so the live
 * figure's colour scale spans them from its first cells (as the finished figure's
 * does) instead of growing as cells arrive. Two forwards: little beside the sweep. */
static void
compute_ends (PlSweepJob *self)
{
  PlModel *model = pl_loaded_model_get (self->model);
  int V = pl_model_config (model)->vocab_size;
  g_autofree float *clean = g_new (float, V);
  g_autofree float *corr = g_new (float, V);
  const PlInputs *in = self->inputs;
  double ends[2];

  if (!pl_model_last_logits (model, in->clean.ids, in->clean.n_tokens, clean, NULL) ||
      !pl_model_last_logits (model, in->corrupted.ids, in->corrupted.n_tokens, corr, NULL))
    return;   /* the sweep itself will say what is wrong */
  ends[0] = unpatched_metric (&self->options, in, clean, V, clean[in->clean_answer_id], TRUE);
  ends[1] = unpatched_metric (&self->options, in, corr, V, clean[in->clean_answer_id], FALSE);
  if (!isfinite (ends[0]) || !isfinite (ends[1]))
    return;
  g_mutex_lock (&self->lock);
  self->pending_ends[0] = ends[0];
  self->pending_ends[1] = ends[1];
  self->pending_has_ends = TRUE;
  g_mutex_unlock (&self->lock);
}

/* ---- a set of pairs ---- */

static PlPairSet *
copy_set (const PlPairSet *set)
{
  PlPairSet *copy = g_new0 (PlPairSet, 1);

  copy->n_pairs = set->n_pairs;
  copy->n_tokens = set->n_tokens;
  copy->pairs = g_new (PlInputs *, set->n_pairs);
  copy->names = g_new (char *, set->n_pairs);
  copy->lines = g_memdup2 (set->lines, set->n_pairs * sizeof (int));
  copy->file = g_strdup (set->file);
  for (int i = 0; i < set->n_pairs; i++)
    {
      copy->pairs[i] = pl_inputs_copy (set->pairs[i]);
      copy->names[i] = g_strdup (set->names[i]);
    }
  return copy;
}

PlSweepJob *
pl_sweep_job_new_set (PlLoadedModel        *model,
                      const PlPairSet      *set,
                      const PlSweepOptions *options)
{
  g_return_val_if_fail (set != NULL && set->n_pairs > 0, NULL);
  /* The first pair gives the shape of the snapshots: every pair has its count. */
  PlSweepJob *self = pl_sweep_job_new (model, set->pairs[0], options);

  self->set = copy_set (set);
  return self;
}

gboolean
pl_sweep_job_is_set (PlSweepJob *self)
{
  return self->set != NULL;
}

PlShared *
pl_sweep_job_get_set_result (PlSweepJob *self)
{
  return self->set_result;
}

/* Worker: the snapshot of a set's sweep is its running mean (one pair's matrix would
 * jump from pair to pair and mean nothing as a whole), with each cell's count and the
 * running mean of the unpatched runs' metric as the colour scale's ends; the counts
 * of cells are the whole set's. */
static void
on_set_progress (const PlSetProgress *progress,
                 gpointer             user_data)
{
  PlSweepJob *self = user_data;
  const PlRunningMean *rm = progress->running;
  gboolean has_cells = rm->n_cells > 0 && (gsize) rm->n_cells == self->n_cells;
  PlSweepProgress p = {
    progress->cells_done, progress->cells_total, progress->elapsed,
    has_cells ? rm->mean : NULL, rm->clean_value, rm->corrupted_value,
  };

  store_progress (self, &p, rm);
}

static void
set_sweep (PlSweepJob *self,
           Finish     *f)
{
  f->set_result = pl_sweep_set_run (pl_loaded_model_get (self->model), self->set,
                                    &self->options, on_set_progress, self,
                                    self->cancellable, &f->error);
  if (f->set_result == NULL && f->error == NULL)
    g_set_error_literal (&f->error, G_IO_ERROR, G_IO_ERROR_FAILED, "The sweep failed.");
  pl_run_on_context (self->context, "pl-sweep-job", emit_finished, f, NULL);
}

static gpointer
sweep_thread (gpointer data)
{
  PlSweepJob *self = data;   /* the worker's ref */
  Finish *f = g_new0 (Finish, 1);

  f->job = self;
  if (self->set != NULL)
    {
      set_sweep (self, f);
      return NULL;
    }
  if (!g_cancellable_is_cancelled (self->cancellable))
    compute_ends (self);
  f->result = pl_sweep_run (pl_loaded_model_get (self->model), self->inputs,
                            &self->options, on_sweep_progress, self,
                            self->cancellable, &f->error);
  if (f->result == NULL && f->error == NULL)
    g_set_error_literal (&f->error, G_IO_ERROR, G_IO_ERROR_FAILED, "The sweep failed.");
  pl_run_on_context (self->context, "pl-sweep-job", emit_finished, f, NULL);
  return NULL;
}

/* The progress matrix's cells: the result's shape (head sites: layer × head, or
 * layer × position × head by position). */
static gsize
count_cells (const PlConfig       *cfg,
             const PlSweepOptions *opt,
             int                   n_tokens)
{
  gsize cells = (gsize) cfg->n_layer;

  if (!pl_site_is_head (opt->site))
    return cells * n_tokens;
  return cells * cfg->n_head * (opt->by_position ? n_tokens : 1);
}

void
pl_sweep_job_start (PlSweepJob *self)
{
  const PlConfig *cfg = pl_model_config (pl_loaded_model_get (self->model));
  GThread *thread;

  g_return_if_fail (!self->running && self->result == NULL);
  self->n_cells = count_cells (cfg, &self->options, self->inputs->clean.n_tokens);
  self->pending = g_new (float, self->n_cells);
  for (gsize i = 0; i < self->n_cells; i++)
    self->pending[i] = NAN;
  self->pending_total = (int) self->n_cells * (self->set ? self->set->n_pairs : 1);
  if (self->set != NULL)
    self->pending_counts = g_new0 (int, self->n_cells);
  self->running = TRUE;
  thread = g_thread_new ("pl-sweep", sweep_thread, g_object_ref (self));
  g_thread_unref (thread);
}

void
pl_sweep_job_cancel (PlSweepJob *self)
{
  g_cancellable_cancel (self->cancellable);
}

gboolean
pl_sweep_job_is_running (PlSweepJob *self)
{
  return self->running;
}

gboolean
pl_sweep_job_get_ends (PlSweepJob *self,
                       double     *clean,
                       double     *corrupted)
{
  *clean = self->shown_ends[0];
  *corrupted = self->shown_ends[1];
  return self->shown_has_ends;
}

const float *
pl_sweep_job_get_matrix (PlSweepJob *self,
                         int        *cells_done,
                         int        *cells_total,
                         double     *elapsed)
{
  if (cells_done)
    *cells_done = self->shown_done;
  if (cells_total)
    *cells_total = self->shown_total;
  if (elapsed)
    *elapsed = self->shown_elapsed;
  return self->shown;
}

const int *
pl_sweep_job_get_counts (PlSweepJob *self,
                         int        *n_pairs)
{
  *n_pairs = self->set ? self->set->n_pairs : 1;
  return self->shown_counts;
}

PlSharedResult *
pl_sweep_job_get_result (PlSweepJob *self)
{
  return self->result;
}

const GError *
pl_sweep_job_get_error (PlSweepJob *self)
{
  return self->error;
}

PlLoadedModel *
pl_sweep_job_get_model (PlSweepJob *self)
{
  return pl_loaded_model_ref (self->model);
}
