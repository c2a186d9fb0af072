/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-sweep-blocks.c: the patched runs of block sites (resid_pre, resid_post, attn_out,
 * mlp_out), with the fast schedule or naively.
 *
 * A patch at (l, p) changes one row of the residual stream from block s on (s = l for
 * resid_pre, l + 1 otherwise), and by causality only positions >= p can change after
 * it. So a patched run is a segment of rows [p, T) that starts at block s from the base
 * run's residual stream, with row p replaced; its attention reads the base run's keys
 * and values for positions < p. Many such runs, of one pair or of several, are stacked
 * into one batch so each weight is applied by one large matrix product (pl-forward.h);
 * the first batch also carries the unpatched runs themselves. A patch before the first
 * differing token is no run at all: its cell is the base run's (layer_cells).
 */
#include <stdlib.h>
#include <string.h>

#include "pl-sweep-private.h"

/* ---- start rows and cells ---- */

static int
start_block (const Sweep *sw, int layer)
{
  return sw->opt->site == PL_SITE_RESID_PRE ? layer : layer + 1;
}

/* start_rows[l][p]: the residual row at position p entering block start_block (l) in
 * the run patched at (l, p), for p >= sw->shared (the cells before are never run). */
static void
prepare_layer (Sweep *sw, int l, PlScratch *s)
{
  int T = sw->T, C = sw->C, p0 = sw->shared;
  gsize n = (gsize) (T - p0) * C;
  float *dst = at (sw->start_rows, T, C, l, p0);
  const float *pre = at (sw->base->resid, T, C, l, p0);

  if (n == 0)
    return;
  switch (sw->opt->site)
    {
    case PL_SITE_RESID_PRE:
      memcpy (dst, at (sw->src->resid, T, C, l, p0), sizeof (float) * n);
      break;
    case PL_SITE_RESID_POST:
      memcpy (dst, at (sw->src->resid, T, C, l + 1, p0), sizeof (float) * n);
      break;
    case PL_SITE_ATTN_OUT:  /* base input + source attention, then block l's MLP */
      for (gsize i = 0; i < n; i++)
        dst[i] = pre[i] + at (sw->src->attn_out, T, C, l, p0)[i];
      pl_block_mlp (sw->model, l, dst, T - p0, s);
      for (gsize i = 0; i < n; i++)
        dst[i] += s->mlp[i];
      break;
    case PL_SITE_MLP_OUT:   /* base input + base attention + source MLP */
      for (gsize i = 0; i < n; i++)
        dst[i] = (pre[i] + at (sw->base->attn_out, T, C, l, p0)[i])
                 + at (sw->src->mlp_out, T, C, l, p0)[i];
      break;
    default:   /* head sites: pl-sweep-heads.c */
      g_return_if_reached ();
    }
}

static void
prepare_start_rows (Sweep *sw, PlScratch *s)
{
  for (int l = 0; l < sw->L; l++)
    prepare_layer (sw, l, s);
}

/* A patch that writes the value already there leaves the base run as it is: its cell
 * is the base run's. Before the first differing token that holds by causality, so
 * those cells are not even compared (nor their start rows made): they are the base
 * run's whatever the kernels' rounding. Later a patch can still write the same bits
 * (resid_pre of layer 0 at a token both prompts share: its embedding). Sorts layer l's
 * cells into those (appended to same) and the rest (to cells), in position order. */
static void
layer_cells (Sweep *sw, int l, int *cells, int *n, int *same, int *n_same)
{
  int T = sw->T, C = sw->C;

  for (int p = 0; p < T; p++)
    {
      if (p < sw->shared
          || memcmp (at (sw->start_rows, T, C, l, p),
                     at (sw->base->resid, T, C, start_block (sw, l), p),
                     sizeof (float) * C) == 0)
        same[(*n_same)++] = l * T + p;
      else
        cells[(*n)++] = l * T + p;
    }
}

/* A patched run of a set's fast schedule: pair sws[pair], matrix cell cell. */
typedef struct {
  int pair, cell;
} Job;

/* Reports the cells of each pair among the n jobs, pair by pair, unless the run was
 * cancelled: a cancel seen by a progress callback always stops the run before its
 * next report, so it never completes after one. */
static gboolean
finish_jobs (Sweep *const *sws, int n_pairs, const Job *jobs, int n, int *cells)
{
  for (int k = 0; k < n_pairs; k++)
    {
      int m = 0;

      for (int i = 0; i < n; i++)
        if (jobs[i].pair == k)
          cells[m++] = jobs[i].cell;
      if (m == 0)
        continue;
      if (g_cancellable_is_cancelled (sws[k]->cancellable))
        return FALSE;
      pl_sweep_finish_cells (sws[k], cells, m);
    }
  return TRUE;
}

/* Runs the n jobs listed as one batch. Jobs are listed by layer, so by their start
 * block: the runs active at a block are a prefix of the batch. Each segment attends to
 * its own pair's base run. */
static gboolean
run_batch (Sweep *const *sws, int n_pairs, const Job *jobs, int n, float *x,
           PlSegment *segs, PlScratch *s)
{
  Sweep *sw0 = sws[0];
  int T = sw0->T, C = sw0->C, row = 0;
  g_autofree int *cells = g_new (int, n);

  for (int i = 0; i < n; i++)
    {
      Sweep *sw = sws[jobs[i].pair];
      int l = jobs[i].cell / T, p = jobs[i].cell % T;

      segs[i] = (PlSegment) { p, T - p, row };
      memcpy (x + (gsize) row * C, at (sw->base->resid, T, C, start_block (sw, l), p),
              sizeof (float) * (T - p) * C);
      memcpy (x + (gsize) row * C, at (sw->start_rows, T, C, l, p), sizeof (float) * C);
      row += T - p;
    }
  for (int b = start_block (sw0, jobs[0].cell / T), active = 0; b < sw0->L; b++)
    {
      while (active < n && start_block (sw0, jobs[active].cell / T) <= b)
        active++;
      if (g_cancellable_is_cancelled (sw0->cancellable))
        return FALSE;
      for (int i = 0; i < active; i++)
        {
          segs[i].prefix_k = at (sws[jobs[i].pair]->base->k, T, C, b, 0);
          segs[i].prefix_v = at (sws[jobs[i].pair]->base->v, T, C, b, 0);
        }
      if (b == sw0->L - 1)   /* only the last position is read: the rest is not needed */
        pl_block_forward_last_rows (sw0->model, b, x, segs, active, NULL, NULL, s);
      else
        pl_block_forward (sw0->model, b, x, segs, active, NULL, NULL, s, NULL, NULL);
    }
  for (int i = 0; i < n; i++)
    pl_final_norm (sw0->model, x + (gsize) (segs[i].row + segs[i].n - 1) * C,
                   sws[jobs[i].pair]->result->final_hidden + (gsize) jobs[i].cell * C);
  return finish_jobs (sws, n_pairs, jobs, n, cells);
}

int
pl_sweep_batch_rows (const Sweep *sw)
{
  int rows = PL_SWEEP_BATCH_BYTES / (sizeof (float) * 12 * (gsize) sw->C);
  /* For tests: small batches, so that the test models too take every path of the
   * schedule (runs left after the first pass, no room for the first pass). */
  const char *force = g_getenv ("PATCHLENS_SWEEP_BATCH_ROWS");

  if (force != NULL && atoi (force) > 0)
    rows = atoi (force);
  return MAX (MIN (rows, PL_SWEEP_BATCH_MAX_ROWS), sw->T);
}

/* Every cell of the sweep: the same ones are reported, the rest listed in (l, p) order. */
static int
cells_to_run (Sweep *sw, int *cells)
{
  int n = 0, n_same = 0;
  g_autofree int *same = g_new (int, sw->L * sw->T);

  for (int l = 0; l < sw->L; l++)
    layer_cells (sw, l, cells, &n, same, &n_same);
  pl_sweep_finish_unchanged (sw, same, n_same);
  return n;
}

/* Runs the jobs listed in batches of at most max_rows rows. */
static gboolean
run_jobs (Sweep *const *sws, int n_pairs, const Job *jobs, int n_jobs, int max_rows,
          float *x, PlSegment *segs, PlScratch *s)
{
  int T = sws[0]->T;
  gboolean ok = TRUE;

  for (int first = 0; ok && first < n_jobs;)
    {
      int n = 0, rows = 0;

      while (first + n < n_jobs && rows + (T - jobs[first + n].cell % T) <= max_rows)
        rows += T - jobs[first + n++].cell % T;
      ok = run_batch (sws, n_pairs, jobs + first, n, x, segs, s);
      first += n;
    }
  return ok;
}

/* The patched runs of n pairs (block sites), stacked: for each layer, every pair's
 * runs in pair order, then cut into batches of at most max_rows rows. */
gboolean
pl_sweep_blocks_fast (Sweep *const *sws, int n_pairs)
{
  int L = sws[0]->L, T = sws[0]->T, max_rows = pl_sweep_batch_rows (sws[0]);
  g_autofree float *x = g_new (float, (gsize) max_rows * sws[0]->C);
  g_autofree PlSegment *segs = g_new0 (PlSegment, (gsize) n_pairs * L * T);
  g_autofree Job *jobs = g_new (Job, (gsize) n_pairs * L * T);
  g_autofree int *cells = g_new (int, (gsize) n_pairs * L * T);
  g_autofree int *n_cells = g_new (int, n_pairs);
  PlScratch *s = pl_scratch_new (pl_model_config (sws[0]->model), max_rows, T);
  gboolean ok = TRUE;
  int n_jobs = 0;

  for (int k = 0; k < n_pairs; k++)
    {
      prepare_start_rows (sws[k], s);
      n_cells[k] = cells_to_run (sws[k], cells + (gsize) k * L * T);
    }
  for (int l = 0; l < L; l++)
    for (int k = 0; k < n_pairs; k++)
      for (int i = 0; i < n_cells[k]; i++)
        if (cells[(gsize) k * L * T + i] / T == l)
          jobs[n_jobs++] = (Job) { k, cells[(gsize) k * L * T + i] };
  ok = run_jobs (sws, n_pairs, jobs, n_jobs, max_rows, x, segs, s);
  pl_scratch_free (s);
  return ok;
}

/* One full forward of the base prompt with the activation at (l, p) replaced. */
static void
run_one_naive (Sweep *sw, int l, int p, float *x, PlScratch *s, float *h)
{
  int T = sw->T, C = sw->C;
  PlSegment seg = { 0, T, 0 };
  PlSite site = sw->opt->site;
  PlBlockPatch patch = { site, p, NULL };

  if (site == PL_SITE_ATTN_OUT)
    patch.row = at (sw->src->attn_out, T, C, l, p);
  else if (site == PL_SITE_MLP_OUT)
    patch.row = at (sw->src->mlp_out, T, C, l, p);
  pl_embed (sw->model, sw->base_ids, T, x);
  for (int b = 0; b < sw->L; b++)
    {
      if (site == PL_SITE_RESID_PRE && b == l)
        memcpy (x + (gsize) p * C, at (sw->src->resid, T, C, l, p), sizeof (float) * C);
      pl_block_forward (sw->model, b, x, &seg, 1, NULL, NULL, s, NULL,
                        b == l && patch.row ? &patch : NULL);
      if (site == PL_SITE_RESID_POST && b == l)
        memcpy (x + (gsize) p * C, at (sw->src->resid, T, C, l + 1, p), sizeof (float) * C);
    }
  pl_final_norm (sw->model, x + (gsize) (T - 1) * C, h);
}

gboolean
pl_sweep_blocks_naive (Sweep *sw)
{
  int T = sw->T;
  g_autofree float *x = g_new (float, (gsize) T * sw->C);
  PlScratch *s = pl_scratch_new (pl_model_config (sw->model), T, T);
  gboolean ok = TRUE;

  for (int l = 0; ok && l < sw->L; l++)
    for (int p = 0; ok && p < T; p++)
      {
        int cell = l * T + p;

        run_one_naive (sw, l, p, x, s, sw->result->final_hidden + (gsize) cell * sw->C);
        pl_sweep_finish_cells (sw, &cell, 1);
        ok = !g_cancellable_is_cancelled (sw->cancellable);
      }
  pl_scratch_free (s);
  return ok;
}

/* ---- block sites: the unpatched runs and the first patched runs in one pass ---- */

/* The unpatched runs of a batch of pairs are 2nT rows: with few rows, packing the
 * weights for each product costs as much as multiplying. So they run in the same
 * products as the first patched runs: a patched run starting at block s joins the pass
 * at block s, when the unpatched runs have given its start rows, and reads the base
 * run's keys and values of each block as the unpatched rows of the same product leave
 * them (pl_block_forward taps them before attention). */
typedef struct {
  Sweep *const *sws;
  int           n, L, T, C, max_rows;
  PlScratch    *s;
  float        *x;         /* (max_rows, C): the 2n unpatched runs' rows, then patched */
  PlSegment    *segs;      /* the 2n unpatched runs (clean, corrupted, ...), then patched */
  PlBlockTaps  *taps;      /* one per segment, empty for patched ones */
  int           n_segs, rows;
  Job          *jobs;      /* every patched run, in (layer, pair, position) order */
  int           n_jobs, n_fused;   /* jobs [0, n_fused) are in the pass */
  gboolean      open;      /* the pass still takes runs */
  int          *same;      /* (n, L * T): each pair's cells equal to its base run */
  int          *n_same;
} Pass;

/* The layer whose patched runs start at block b, or -1. */
static int
layer_starting_at (const Sweep *sw, int b)
{
  if (sw->opt->site == PL_SITE_RESID_PRE)
    return b < sw->L ? b : -1;
  return b - 1;
}

/* Lists the patched runs of layer l of every pair, now that its start rows can be
 * made; they join the pass while it is open and they fit. */
static void
pass_add_layer (Pass *ps, int l)
{
  int T = ps->T, C = ps->C, m;
  g_autofree int *cells = g_new (int, T);

  for (int k = 0; k < ps->n; k++)
    {
      Sweep *sw = ps->sws[k];

      prepare_layer (sw, l, ps->s);
      m = 0;
      layer_cells (sw, l, cells, &m, ps->same + (gsize) k * ps->L * T, &ps->n_same[k]);
      for (int i = 0; i < m; i++)
        {
          int p = cells[i] % T;
          float *row = ps->x + (gsize) ps->rows * C;

          ps->jobs[ps->n_jobs++] = (Job) { k, cells[i] };
          ps->open = ps->open && ps->rows + (T - p) <= ps->max_rows;
          if (!ps->open)
            continue;
          ps->segs[ps->n_segs] = (PlSegment) { p, T - p, ps->rows };
          ps->taps[ps->n_segs++] = (PlBlockTaps) { NULL };
          memcpy (row, at (sw->base->resid, T, C, start_block (sw, l), p),
                  sizeof (float) * (T - p) * C);
          memcpy (row, at (sw->start_rows, T, C, l, p), sizeof (float) * C);
          ps->rows += T - p;
          ps->n_fused++;
        }
    }
}

static RunCache *
pass_run (Pass *ps, int r)
{
  return r % 2 ? &ps->sws[r / 2]->corr : &ps->sws[r / 2]->clean;
}

/* Block b for every run in the pass. At the last block the unpatched runs need every
 * row (their caches feed the last layer's patches), the patched ones their last. */
static void
pass_block (Pass *ps, int b)
{
  int T = ps->T, C = ps->C, U = 2 * ps->n;
  PlModel *model = ps->sws[0]->model;

  for (int r = 0; r < U; r++)
    {
      RunCache *c = pass_run (ps, r);

      ps->taps[r] = (PlBlockTaps) {
        at (c->attn_out, T, C, b, 0), at (c->mlp_out, T, C, b, 0), at (c->k, T, C, b, 0),
        at (c->v, T, C, b, 0),
      };
    }
  for (int i = U; i < ps->n_segs; i++)
    {
      const RunCache *base = ps->sws[ps->jobs[i - U].pair]->base;

      ps->segs[i].prefix_k = at (base->k, T, C, b, 0);
      ps->segs[i].prefix_v = at (base->v, T, C, b, 0);
    }
  if (b < ps->L - 1)
    pl_block_forward (model, b, ps->x, ps->segs, ps->n_segs, NULL, NULL, ps->s, ps->taps,
                      NULL);
  else
    {
      pl_block_forward (model, b, ps->x, ps->segs, U, NULL, NULL, ps->s, ps->taps, NULL);
      if (ps->n_segs > U)
        pl_block_forward_last_rows (model, b, ps->x, ps->segs + U, ps->n_segs - U, NULL,
                                    NULL, ps->s);
    }
  for (int r = 0; r < U; r++)
    memcpy (at (pass_run (ps, r)->resid, T, C, b + 1, 0), ps->x + (gsize) r * T * C,
            sizeof (float) * T * C);
}

/* Reports each pair's cells equal to its base run, then its cells run in the pass,
 * unless the run was cancelled (as finish_jobs). */
static gboolean
pass_finish (Pass *ps)
{
  int U = 2 * ps->n;
  g_autofree int *cells = g_new (int, MAX (ps->n_fused, 1));

  for (int i = 0; i < ps->n_fused; i++)
    pl_final_norm (ps->sws[0]->model,
                   ps->x + (gsize) (ps->segs[U + i].row + ps->segs[U + i].n - 1) * ps->C,
                   ps->sws[ps->jobs[i].pair]->result->final_hidden
                   + (gsize) ps->jobs[i].cell * ps->C);
  for (int k = 0; k < ps->n; k++)
    {
      Sweep *sw = ps->sws[k];
      int m = 0;

      for (int i = 0; i < ps->n_fused; i++)
        if (ps->jobs[i].pair == k)
          cells[m++] = ps->jobs[i].cell;
      if (g_cancellable_is_cancelled (sw->cancellable))
        return FALSE;
      pl_sweep_finish_unchanged (sw, ps->same + (gsize) k * ps->L * ps->T, ps->n_same[k]);
      if (g_cancellable_is_cancelled (sw->cancellable))
        return FALSE;
      if (m > 0)
        pl_sweep_finish_cells (sw, cells, m);
    }
  return TRUE;
}

/* The unpatched runs of n pairs with their first patched runs, then the rest in later
 * batches. */
gboolean
pl_sweep_blocks_first_pass (Sweep *const *sws, int n, int *failed, GError **error)
{
  int L = sws[0]->L, T = sws[0]->T, C = sws[0]->C, U = 2 * n;
  int max_rows = pl_sweep_batch_rows (sws[0]), l;
  g_autofree float *x = g_new (float, (gsize) max_rows * C);
  g_autofree PlSegment *segs = g_new0 (PlSegment, (gsize) U + n * L * T);
  g_autofree PlBlockTaps *taps = g_new0 (PlBlockTaps, (gsize) U + n * L * T);
  g_autofree Job *jobs = g_new (Job, (gsize) n * L * T);
  g_autofree int *same = g_new (int, (gsize) n * L * T);
  g_autofree int *n_same = g_new0 (int, n);
  Pass ps = { sws, n, L, T, C, max_rows, NULL, x, segs, taps, U, U * T, jobs, 0, 0, TRUE,
              same, n_same };
  gboolean ok = FALSE;

  ps.s = pl_scratch_new (pl_model_config (sws[0]->model), max_rows, T);
  for (int r = 0; r < U; r++)
    {
      const PlInputs *in = sws[r / 2]->result->inputs;

      segs[r] = (PlSegment) { 0, T, r * T };
      pl_embed (sws[0]->model, r % 2 ? in->corrupted.ids : in->clean.ids, T,
                x + (gsize) r * T * C);
      memcpy (pass_run (&ps, r)->resid, x + (gsize) r * T * C, sizeof (float) * T * C);
    }
  for (int b = 0; b < L; b++)
    {
      if ((l = layer_starting_at (sws[0], b)) >= 0)
        pass_add_layer (&ps, l);
      if (g_cancellable_is_cancelled (sws[0]->cancellable))
        goto out;
      pass_block (&ps, b);
    }
  for (int r = 0; r < U; r++)
    pl_final_norm (sws[0]->model, at (pass_run (&ps, r)->resid, T, C, L, T - 1),
                   pass_run (&ps, r)->final_h);
  if (!pl_sweep_summarize_unpatched (sws, n, failed, error))
    goto out;
  for (int k = 0; k < n; k++)
    pl_sweep_report (sws[k]);
  ps.open = FALSE;
  if ((l = layer_starting_at (sws[0], L)) >= 0)
    pass_add_layer (&ps, l);
  ok = pass_finish (&ps)
       && run_jobs (sws, n, jobs + ps.n_fused, ps.n_jobs - ps.n_fused, max_rows, x,
                    segs, ps.s);
out:
  pl_scratch_free (ps.s);
  return ok;
}
