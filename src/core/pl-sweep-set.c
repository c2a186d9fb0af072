/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-sweep-set.c: the sweep over a set of pairs on the loaded model, several pairs at a
 * time (pl_sweep_run_many stacks their runs into the same matrix products), then the
 * mean and the population standard deviation of every cell.
 */
#include <math.h>
#include <string.h>

#include "pl-error.h"
#include "pl-sweep-private.h"
#include "pl-sweep-set.h"

/* Cells of one pair's matrix, in the single-pair sweep's order (checked against the
 * sweep's own count of cells, which its progress gives). */
static int
result_cells (const PlSweepResult *r)
{
  return (int) pl_sweep_result_n_cells (r);
}

typedef struct {
  PlSetProgressFunc progress;
  gpointer          user_data;
  int               pairs_done;       /* pairs whose every cell is reported */
  int               n_pairs;
  int               cells_done;       /* over all pairs */
  int               cells_per_pair;   /* 0 until the first pair reports */
  gint64            t0;
  PlRunningMean    *running;          /* owned */
} SetRun;

/* What the set knows of one pair's progress. */
typedef struct {
  SetRun *run;
  int     done;
  int     index;   /* in the set */
} PairWatch;

/* A pair's progress as the set's: cells over all pairs. Pairs swept together report
 * in turns, so pairs_done counts the pairs finished, other than the one reporting. */
static void
on_pair_progress (const PlSweepProgress *p,
                  gpointer               user_data)
{
  PairWatch *w = user_data;
  SetRun *run = w->run;
  PlSetProgress sp;

  run->cells_per_pair = p->cells_total;
  run->cells_done += p->cells_done - w->done;
  if (w->done < p->cells_total && p->cells_done == p->cells_total)
    run->pairs_done++;
  w->done = p->cells_done;
  if (run->progress == NULL)
    return;   /* no one to show the running mean to: not kept */
  pl_running_mean_add (run->running, w->index, p);
  sp = (PlSetProgress) {
    run->cells_done, run->n_pairs * p->cells_total,
    run->pairs_done - (p->cells_done == p->cells_total), run->n_pairs,
    (g_get_monotonic_time () - run->t0) / 1e6, p, run->running,
  };
  run->progress (&sp, run->user_data);
}

static void
set_pair_init (PlSetPair *sp, const PlPairSet *set, int i, const PlSweepResult *r)
{
  const PlInputs *in = set->pairs[i];

  sp->name = g_strdup (set->names[i]);
  sp->line = set->lines[i];
  sp->clean = g_strdup (in->clean.text);
  sp->corrupted = g_strdup (in->corrupted.text);
  sp->clean_answer = g_strdup (in->clean_answer);
  sp->corrupted_answer = g_strdup (in->corrupted_answer);
  sp->clean_answer_id = in->clean_answer_id;
  sp->corrupted_answer_id = in->corrupted_answer_id;
  sp->clean_value = r->clean_value;
  sp->corrupted_value = r->corrupted_value;
}

/* The token at position p for the whole set: the pair's own where every pair has it,
 * else the first pair's followed by "…". which: 0 clean, 1 corrupted. */
static char *
set_piece (const PlPairSet *set, int which, int p)
{
  const PlPrompt *first = which ? &set->pairs[0]->corrupted : &set->pairs[0]->clean;

  for (int i = 1; i < set->n_pairs; i++)
    {
      const PlPrompt *q = which ? &set->pairs[i]->corrupted : &set->pairs[i]->clean;

      if (q->ids[p] != first->ids[p])
        return g_strconcat (first->pieces[p], "…", NULL);
    }
  return g_strdup (first->pieces[p]);
}

/* An answer for the whole set: the pairs' own when they all agree, else its role. */
static char *
set_answer (const PlPairSet *set, gboolean corrupted)
{
  for (int i = 1; i < set->n_pairs; i++)
    if (strcmp (corrupted ? set->pairs[i]->corrupted_answer : set->pairs[i]->clean_answer,
                corrupted ? set->pairs[0]->corrupted_answer : set->pairs[0]->clean_answer))
      return g_strdup (corrupted ? "corrupted answer" : "clean answer");
  return g_strdup (corrupted ? set->pairs[0]->corrupted_answer
                             : set->pairs[0]->clean_answer);
}

/* in (a copy of the first pair's) labelled for the whole set. */
static void
label_for_set (PlInputs *in, const PlPairSet *set)
{
  for (int p = 0; p < in->clean.n_tokens; p++)
    {
      g_free (in->clean.pieces[p]);
      in->clean.pieces[p] = set_piece (set, 0, p);
      g_free (in->corrupted.pieces[p]);
      in->corrupted.pieces[p] = set_piece (set, 1, p);
    }
  g_free (in->clean_answer);
  in->clean_answer = set_answer (set, FALSE);
  g_free (in->corrupted_answer);
  in->corrupted_answer = set_answer (set, TRUE);
}

PlInputs *
pl_sweep_set_labels (const PlPairSet *set)
{
  PlInputs *in;

  g_return_val_if_fail (set != NULL && set->n_pairs > 0, NULL);
  in = pl_inputs_copy (set->pairs[0]);
  label_for_set (in, set);
  return in;
}

/* The first pair's result becomes the summary: inputs labelled for the whole set. */
static void
make_summary (PlSweepResult *r, const PlPairSet *set)
{
  label_for_set (r->inputs, set);
  g_clear_pointer (&r->final_hidden, g_free);
}

/* mean and population std (divide by N) of each cell over the pairs, two passes in
 * double. matrices (N, cells). */
static void
mean_and_std (const float *matrices, int n, int cells, float *mean, float *std)
{
  for (int c = 0; c < cells; c++)
    {
      double sum = 0, sq = 0, m;

      for (int i = 0; i < n; i++)
        sum += matrices[(gsize) i * cells + c];
      m = sum / n;
      for (int i = 0; i < n; i++)
        {
          double d = matrices[(gsize) i * cells + c] - m;
          sq += d * d;
        }
      mean[c] = (float) m;
      std[c] = (float) sqrt (sq / n);
    }
}

/* Keeps pair i's matrix (and, for pair 0, its result as the summary); takes r. */
static gboolean
keep_pair (const PlPairSet *set, int i, PlSweepResult *r, SetRun *run, PlSetResult *out,
           GError **error)
{
  if (run->cells_per_pair != result_cells (r))
    {
      /* A matrix shape this file does not know: refuse rather than copy too little. */
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
                   "Sets of pairs do not support the %s site yet (a pair's sweep has %d "
                   "cells, not %d)", pl_site_to_string (r->site), run->cells_per_pair,
                   result_cells (r));
      pl_sweep_result_free (r);
      return FALSE;
    }
  if (i == 0)
    {
      out->n_cells = result_cells (r);
      out->matrices = g_new (float, (gsize) set->n_pairs * out->n_cells);
      out->std = g_new (float, out->n_cells);
    }
  memcpy (out->matrices + (gsize) i * out->n_cells, r->matrix,
          sizeof (float) * out->n_cells);
  set_pair_init (&out->pairs[i], set, i, r);
  if (i == 0)
    out->summary = r;
  else
    pl_sweep_result_free (r);
  return TRUE;
}

/* Sweeps the n pairs from first together; keeps their matrices. */
static gboolean
sweep_pairs (PlModel *model, const PlPairSet *set, int first, int n,
             const PlSweepOptions *opt, PairWatch *watch, SetRun *run,
             GCancellable *cancellable, PlSetResult *out, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree PlSweepResult **r = g_new0 (PlSweepResult *, n);
  g_autofree gpointer *data = g_new (gpointer, n);
  int failed;

  for (int i = 0; i < n; i++)
    data[i] = &watch[first + i];
  if (!pl_sweep_run_many (model, (const PlInputs *const *) set->pairs + first, n, opt,
                          on_pair_progress, data, cancellable, r, &failed, &local))
    {
      if (failed < 0)
        g_propagate_error (error, g_steal_pointer (&local));
      else
        g_set_error (error, local->domain, local->code, "%s: pair %d (line %d): %s",
                     set->file, first + failed + 1, set->lines[first + failed],
                     local->message);
      return FALSE;
    }
  for (int i = 0; i < n; i++)
    if (!keep_pair (set, first + i, g_steal_pointer (&r[i]), run, out, error))
      {
        for (int j = i + 1; j < n; j++)
          pl_sweep_result_free (r[j]);
        return FALSE;
      }
    else
      out->n_pairs = first + i + 1;   /* so that freeing a partial result frees what is there */
  return TRUE;
}

PlSetResult *
pl_sweep_set_run (PlModel               *model,
                  const PlPairSet       *set,
                  const PlSweepOptions  *options,
                  PlSetProgressFunc      progress,
                  gpointer               user_data,
                  GCancellable          *cancellable,
                  GError               **error)
{
  g_autoptr(PlSetResult) out = g_new0 (PlSetResult, 1);
  SetRun run = { progress, user_data, 0, set->n_pairs, 0, 0, g_get_monotonic_time (),
                 NULL };
  g_autoptr(PlRunningMean) running = NULL;
  g_autofree PairWatch *watch = NULL;
  int per_batch, n_batches;

  g_return_val_if_fail (set != NULL && set->n_pairs > 0, NULL);
  out->pairs = g_new0 (PlSetPair, set->n_pairs);
  watch = g_new0 (PairWatch, set->n_pairs);
  for (int i = 0; i < set->n_pairs; i++)
    watch[i] = (PairWatch) { &run, 0, i };
  if (progress != NULL)
    run.running = running = pl_running_mean_new (set->n_pairs);
  /* batches of equal size, each as large as the memory for pairs allows */
  per_batch = pl_sweep_pairs_per_batch (model, set->n_tokens, options);
  n_batches = (set->n_pairs + per_batch - 1) / per_batch;
  per_batch = (set->n_pairs + n_batches - 1) / n_batches;
  for (int first = 0; first < set->n_pairs; first += per_batch)
    if (g_cancellable_set_error_if_cancelled (cancellable, error)
        || !sweep_pairs (model, set, first, MIN (per_batch, set->n_pairs - first), options,
                         watch, &run, cancellable, out, error))
      return NULL;
  make_summary (out->summary, set);
  /* The figure's colour scale spans the unpatched runs' metric: the set's mean of it. */
  out->summary->clean_value = out->summary->corrupted_value = 0;
  for (int i = 0; i < set->n_pairs; i++)
    {
      out->summary->clean_value += out->pairs[i].clean_value / set->n_pairs;
      out->summary->corrupted_value += out->pairs[i].corrupted_value / set->n_pairs;
    }
  mean_and_std (out->matrices, set->n_pairs, out->n_cells, out->summary->matrix, out->std);
  out->mean = out->summary->matrix;
  out->seconds = (g_get_monotonic_time () - run.t0) / 1e6;
  out->summary->seconds = out->seconds;
  return g_steal_pointer (&out);
}

void
pl_set_result_free (PlSetResult *r)
{
  if (r == NULL)
    return;
  for (int i = 0; i < r->n_pairs; i++)
    {
      PlSetPair *p = &r->pairs[i];

      g_free (p->name);
      g_free (p->clean);
      g_free (p->corrupted);
      g_free (p->clean_answer);
      g_free (p->corrupted_answer);
    }
  g_free (r->pairs);
  pl_sweep_result_free (r->summary);
  g_free (r->std);
  g_free (r->matrices);
  g_free (r);
}
