/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-sweep-heads.c: patching one attention head (TransformerLens' hook_z, hook_q,
 * hook_k, hook_v and hook_pattern), at every position at once or one position at a time.
 *
 * Notation: L layers, T positions, C = n_embd, H heads of hs = C / H dimensions. In
 * block l head h has queries q, keys k and values v (T, hs), its slices of c_attn's
 * output; pattern P = softmax(q kᵀ / √hs + causal mask) (T, T); output z = P v (T, hs),
 * its slice of c_proj's input. A cell is (l, h) (all positions) or (l, p, h).
 *
 * The schedule. Nothing before block l changes, so a patched run starts at block l from
 * the base run's residual stream, and, as with the block sites, only positions from the
 * first one the patch changes, p0, on: rows [p0, T) form a segment whose attention reads
 * the base run's keys and values for positions < p0. Block l itself is not run: its
 * output differs from the base run's only through head h's z, so for the rows the patch
 * changes we take the base run's z (every head), recompute head h's slice
 * (edit_segment), and apply c_proj and the MLP (run_patched_block). The rows changed:
 *   head_out      the patched rows (z copied from the source run);
 *   head_q        the patched rows (pattern from the source queries and base keys);
 *   head_pattern  the patched rows (pattern row of the source run);
 *   head_k, head_v every row from the first patched position on (a destination t reads
 *                  every key and value j <= t).
 * The segment then enters block l + 1. At all positions p0 is the first position where
 * the source and base activation differ (before it patching writes what is already
 * there); by position p0 = p, and a patch that writes what is there is skipped: its cell
 * is the base run's (every position before the first differing token id, known without
 * comparing, by causality). Cells are batched as in pl-sweep.c, one segment each, ordered by
 * layer so the runs active at a block are a prefix of the batch.
 *
 * The naive path runs one full forward per cell, block l included, with an attention
 * hook (pl-forward.h) that rewrites head h's z for every row the patch touches: a
 * different route to the same numbers, which the tests compare.
 */
#include <math.h>
#include <string.h>

#include "pl-parallel.h"
#include "pl-sweep-private.h"

typedef struct {
  int l, p, h;   /* p = -1: every position */
} HeadCell;

static HeadCell
decode_cell (const Sweep *sw, int cell)
{
  if (!sw->opt->by_position)
    return (HeadCell) { cell / sw->H, -1, cell % sw->H };
  return (HeadCell) { cell / (sw->T * sw->H), cell / sw->H % sw->T, cell % sw->H };
}

/* ---- capture ---- */

void
pl_sweep_heads_capture (gpointer data, const PlSegment *segs, int n_segs, PlScratch *s)
{
  PlHeadCapture *c = data;
  int T = c->T, C = c->C;

  for (int i = 0; i < n_segs; i++)   /* segment i is the whole run of cache[i] */
    {
      g_assert (i < (int) G_N_ELEMENTS (c->cache) && segs[i].pos0 == 0 && segs[i].n == T);
      for (int t = 0; t < T; t++)
        {
          memcpy (at (c->cache[i]->q, T, C, c->block, t),
                  s->qkv + (gsize) (segs[i].row + t) * 3 * C, sizeof (float) * C);
          memcpy (at (c->cache[i]->z, T, C, c->block, t),
                  s->att + (gsize) (segs[i].row + t) * C, sizeof (float) * C);
        }
    }
}

/* ---- one head's attention ---- */

/* P (n_keys) = softmax(q · K[j] / √hs), K[j] pointing at key j's hs values. */
static void
pattern_row (const float *q, const float *const *K, int n_keys, int hs, float *P)
{
  float scale = 1.0f / sqrtf ((float) hs), max = -INFINITY, sum = 0.0f;

  for (int j = 0; j < n_keys; j++)
    {
      float dot = 0.0f;
#pragma omp simd reduction(+:dot)
      for (int d = 0; d < hs; d++)
        dot += q[d] * K[j][d];
      P[j] = dot * scale;
      max = MAX (max, P[j]);
    }
  for (int j = 0; j < n_keys; j++)
    {
      P[j] = expf (P[j] - max);
      sum += P[j];
    }
  for (int j = 0; j < n_keys; j++)
    P[j] /= sum;
}

/* z (hs) = Σ_j P[j] V[j] */
static void
mix_values (const float *P, const float *const *V, int n_keys, int hs, float *z)
{
  memset (z, 0, sizeof (float) * hs);
  for (int j = 0; j < n_keys; j++)
#pragma omp simd
    for (int d = 0; d < hs; d++)
      z[d] += P[j] * V[j][d];
}

/* The hook's state: the batch's cells (one per segment) and the block being run. */
typedef struct {
  Sweep        *sw;
  const int    *cells;
  int           block;
  const float **K, **V;   /* (T) row pointers, the patched head's keys and values */
  const float **srcK;     /* (T) the source run's keys of that head */
  float        *P;        /* (T) */
} HeadEdit;

static gboolean
patched_at (const HeadCell *c, int pos)
{
  return c->p < 0 || c->p == pos;
}

/* Head c->h of a segment's rows at block c->l, with the patch applied. */
static void
edit_segment (HeadEdit *e, const HeadCell *c, const PlSegment *seg, PlScratch *s)
{
  Sweep *sw = e->sw;
  PlSite site = sw->opt->site;
  int T = sw->T, C = sw->C, hs = C / sw->H, off = c->h * hs;
  RunCache *base = sw->base, *src = sw->src;
  gboolean from_first = site == PL_SITE_HEAD_K || site == PL_SITE_HEAD_V;
  int first = c->p < 0 ? seg->pos0 : c->p;

  for (int j = 0; j < T; j++)
    {
      gboolean pk = site == PL_SITE_HEAD_K && patched_at (c, j);
      gboolean pv = site == PL_SITE_HEAD_V && patched_at (c, j);

      e->K[j] = at (pk ? src->k : base->k, T, C, c->l, j) + off;
      e->V[j] = at (pv ? src->v : base->v, T, C, c->l, j) + off;
    }
  for (int t = first; t < seg->pos0 + seg->n; t++)
    {
      float *z = s->att + (gsize) (seg->row + t - seg->pos0) * C + off;

      if (!from_first && !patched_at (c, t))
        continue;
      if (site == PL_SITE_HEAD_OUT)
        {
          memcpy (z, at (src->z, T, C, c->l, t) + off, sizeof (float) * hs);
          continue;
        }
      if (site == PL_SITE_HEAD_PATTERN)   /* the source run's own row */
        {
          for (int j = 0; j <= t; j++)
            e->srcK[j] = at (src->k, T, C, c->l, j) + off;
          pattern_row (at (src->q, T, C, c->l, t) + off, e->srcK, t + 1, hs, e->P);
        }
      else
        pattern_row (at (site == PL_SITE_HEAD_Q ? src->q : base->q, T, C, c->l, t) + off,
                     e->K, t + 1, hs, e->P);
      mix_values (e->P, e->V, t + 1, hs, z);
    }
}

static void
edit_hook (gpointer data, const PlSegment *segs, int n_segs, PlScratch *s)
{
  HeadEdit *e = data;

  for (int i = 0; i < n_segs; i++)
    {
      HeadCell c = decode_cell (e->sw, e->cells[i]);

      if (c.l == e->block)
        edit_segment (e, &c, &segs[i], s);
    }
}

/* ---- which cells change anything ---- */

/* The first position >= from where head c->h's rows of a and b differ, or T. */
static int
first_difference (const Sweep *sw, const HeadCell *c, const float *a, const float *b,
                  int from)
{
  int hs = sw->C / sw->H;

  for (int p = from; p < sw->T; p++)
    if (memcmp (at ((float *) a, sw->T, sw->C, c->l, p) + c->h * hs,
                at ((float *) b, sw->T, sw->C, c->l, p) + c->h * hs,
                sizeof (float) * hs) != 0)
      return p;
  return sw->T;
}

/* The first position a cell's patch changes, or -1 when it changes nothing. A pattern
 * row p reads q at p and k at 0..p, so it first differs at the first position where q
 * differs or from the first where k does. */
static int
first_changed (const Sweep *sw, int cell)
{
  HeadCell c = decode_cell (sw, cell);
  const RunCache *a = sw->src, *b = sw->base;
  int from = MAX (c.p, 0), p;

  if (c.p >= 0 && c.p < sw->shared)   /* by causality the runs agree there: no compare */
    return -1;
  switch (sw->opt->site)
    {
    case PL_SITE_HEAD_OUT:
      p = first_difference (sw, &c, a->z, b->z, from);
      break;
    case PL_SITE_HEAD_Q:
      p = first_difference (sw, &c, a->q, b->q, from);
      break;
    case PL_SITE_HEAD_K:
      p = first_difference (sw, &c, a->k, b->k, from);
      break;
    case PL_SITE_HEAD_V:
      p = first_difference (sw, &c, a->v, b->v, from);
      break;
    case PL_SITE_HEAD_PATTERN:
      p = MIN (first_difference (sw, &c, a->q, b->q, from),
               MAX (first_difference (sw, &c, a->k, b->k, 0), from));
      break;
    default:
      g_return_val_if_reached (-1);
    }
  if (p >= sw->T || (c.p >= 0 && p != c.p))   /* by position: only p itself counts */
    return -1;
  return p;
}

/* Lists the cells to run with their first rows, in cell (hence layer) order; the cells
 * that change nothing get the base run's values now. */
static int
cells_to_run (Sweep *sw, int *cells, int *p0)
{
  int n = 0, n_same = 0;
  g_autofree int *same = g_new (int, sw->n_cells);

  for (int cell = 0; cell < (int) sw->n_cells; cell++)
    {
      int p = first_changed (sw, cell);

      if (p < 0)
        {
          same[n_same++] = cell;
          continue;
        }
      cells[n] = cell;
      p0[n++] = p;
    }
  pl_sweep_finish_unchanged (sw, same, n_same);
  return n;
}

/* ---- the patched runs ---- */

static void
edit_init (HeadEdit *e, Sweep *sw)
{
  *e = (HeadEdit) { sw, NULL, 0, g_new (const float *, sw->T),
                    g_new (const float *, sw->T), g_new (const float *, sw->T),
                    g_new (float, sw->T) };
}

static void
edit_clear (HeadEdit *e)
{
  g_free (e->K);
  g_free (e->V);
  g_free (e->srcK);
  g_free (e->P);
}

/* Does a patch at one position change only that row of block l (its head's output at
 * that destination), rather than every row from it on? */
static gboolean
changes_one_row (const Sweep *sw)
{
  return sw->opt->by_position && sw->opt->site != PL_SITE_HEAD_K
         && sw->opt->site != PL_SITE_HEAD_V;
}

/* Block l of the n cells listed, all patched in block l, whose segments' rows in x hold
 * the base run's output of block l. Only the rows a patch changes are computed:
 * att (rows, C) = the base run's z with head h's slice patched, then
 * x = resid_l + c_proj(att) and x += mlp(ln_2(x)), as pl_block_forward would. */
static void
run_patched_block (Sweep *sw, HeadEdit *e, int l, const int *cells, const PlSegment *segs,
                   int n, float *x, PlScratch *s)
{
  const PlBlockWeights *w = &pl_model_weights (sw->model)->blocks[l];
  int T = sw->T, C = sw->C, R = 0;
  gboolean one_row = changes_one_row (sw);

  for (int i = 0; i < n; i++)
    {
      HeadCell c = decode_cell (sw, cells[i]);
      PlSegment rows = { segs[i].pos0, one_row ? 1 : segs[i].n, R };   /* rows of s->att */

      memcpy (s->att + (gsize) R * C, at (sw->base->z, T, C, l, rows.pos0),
              sizeof (float) * rows.n * C);
      edit_segment (e, &c, &rows, s);
      R += rows.n;
    }
  for (int r = 0; r < R; r++)
    memcpy (s->proj + (gsize) r * C, w->attn_proj_b, sizeof (float) * C);
  pl_sgemm (R, C, C, s->att, C, w->attn_proj_w, C, s->proj, C);   /* on the pool */
  for (int i = 0, r = 0; i < n; i++)
    for (int t = segs[i].pos0; t < segs[i].pos0 + (one_row ? 1 : segs[i].n); t++, r++)
      {
        const float *resid = at (sw->base->resid, T, C, l, t);
        float *mid = s->proj + (gsize) r * C;

        for (int k = 0; k < C; k++)
          mid[k] = resid[k] + mid[k];
      }
  pl_block_mlp (sw->model, l, s->proj, R, s);
  for (int i = 0, r = 0; i < n; i++)
    for (int t = segs[i].pos0; t < segs[i].pos0 + (one_row ? 1 : segs[i].n); t++, r++)
      {
        float *out = x + (gsize) (segs[i].row + t - segs[i].pos0) * C;
        const float *mid = s->proj + (gsize) r * C, *mlp = s->mlp + (gsize) r * C;

        for (int k = 0; k < C; k++)
          out[k] = mid[k] + mlp[k];
      }
}

/* Runs the n cells listed (first rows p0) as one batch: a cell of layer l enters at
 * block l + 1 with the rows run_patched_block computed, the others the base run's. */
static gboolean
run_batch (Sweep *sw, HeadEdit *e, const int *cells, const int *p0, int n, float *x,
           PlSegment *segs, PlScratch *s)
{
  int T = sw->T, C = sw->C, row = 0;

  for (int i = 0; i < n; i++)
    {
      int l = decode_cell (sw, cells[i]).l;

      segs[i] = (PlSegment) { p0[i], T - p0[i], row };
      memcpy (x + (gsize) row * C, at (sw->base->resid, T, C, l + 1, p0[i]),
              sizeof (float) * (T - p0[i]) * C);
      row += T - p0[i];
    }
  for (int b = decode_cell (sw, cells[0]).l, done = 0; b < sw->L; b++)
    {
      int patched = done;   /* cells [done, patched) are patched in block b */

      if (g_cancellable_is_cancelled (sw->cancellable))
        return FALSE;
      /* the cells patched in earlier blocks go through block b; of the last block only
       * the last position is read */
      if (done > 0 && b == sw->L - 1)
        pl_block_forward_last_rows (sw->model, b, x, segs, done, at (sw->base->k, T, C, b, 0),
                                    at (sw->base->v, T, C, b, 0), s);
      else if (done > 0)
        pl_block_forward (sw->model, b, x, segs, done, at (sw->base->k, T, C, b, 0),
                          at (sw->base->v, T, C, b, 0), s, NULL, NULL);
      while (patched < n && decode_cell (sw, cells[patched]).l == b)
        patched++;
      if (patched > done)
        run_patched_block (sw, e, b, cells + done, segs + done, patched - done, x, s);
      done = patched;
    }
  for (int i = 0; i < n; i++)
    pl_final_norm (sw->model, x + (gsize) (segs[i].row + segs[i].n - 1) * C,
                   sw->result->final_hidden + (gsize) cells[i] * C);
  pl_sweep_finish_cells (sw, cells, n);
  return TRUE;
}

gboolean
pl_sweep_heads_fast (Sweep *sw)
{
  int T = sw->T, max_rows = pl_sweep_batch_rows (sw);
  g_autofree float *x = g_new (float, (gsize) max_rows * sw->C);
  g_autofree PlSegment *segs = g_new (PlSegment, sw->n_cells);
  g_autofree int *cells = g_new (int, sw->n_cells);
  g_autofree int *p0 = g_new (int, sw->n_cells);
  PlScratch *s = pl_scratch_new (pl_model_config (sw->model), max_rows, T);
  gboolean ok = TRUE;
  HeadEdit e;
  int n_cells;

  edit_init (&e, sw);
  n_cells = cells_to_run (sw, cells, p0);
  for (int first = 0; ok && first < n_cells;)
    {
      int n = 0, rows = 0;

      while (first + n < n_cells && rows + (T - p0[first + n]) <= max_rows)
        rows += T - p0[first + n++];
      ok = run_batch (sw, &e, cells + first, p0 + first, n, x, segs, s);
      first += n;
    }
  edit_clear (&e);
  pl_scratch_free (s);
  return ok;
}

/* One full forward of the base prompt with the cell's patch in block l. */
static void
run_one_naive (Sweep *sw, HeadEdit *e, const int *cell, float *x, PlScratch *s, float *h)
{
  int T = sw->T, C = sw->C, l = decode_cell (sw, *cell).l;
  PlSegment seg = { 0, T, 0 };
  PlBlockPatch hook = { .site = sw->opt->site, .hook = edit_hook, .hook_data = e };

  e->cells = cell;
  e->block = l;
  pl_embed (sw->model, sw->base_ids, T, x);
  for (int b = 0; b < sw->L; b++)
    pl_block_forward (sw->model, b, x, &seg, 1, NULL, NULL, s, NULL, b == l ? &hook : NULL);
  pl_final_norm (sw->model, x + (gsize) (T - 1) * C, h);
}

gboolean
pl_sweep_heads_naive (Sweep *sw)
{
  int T = sw->T;
  g_autofree float *x = g_new (float, (gsize) T * sw->C);
  PlScratch *s = pl_scratch_new (pl_model_config (sw->model), T, T);
  gboolean ok = TRUE;
  HeadEdit e;

  edit_init (&e, sw);
  for (int cell = 0; ok && cell < (int) sw->n_cells; cell++)
    {
      run_one_naive (sw, &e, &cell, x, s, sw->result->final_hidden + (gsize) cell * sw->C);
      pl_sweep_finish_cells (sw, &cell, 1);
      ok = !g_cancellable_is_cancelled (sw->cancellable);
    }
  edit_clear (&e);
  pl_scratch_free (s);
  return ok;
}
