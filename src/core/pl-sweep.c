/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-sweep.c: the activation-patching sweep.
 *
 * Notation: L layers, T positions, C = n_embd. A patch at (l, p) changes one row of
 * the residual stream from some block s on (s = l for resid_pre, l + 1 otherwise), and
 * by causality only positions >= p can change after it. So a patched run is a segment
 * of rows [p, T) that starts at block s from the corrupted run's residual stream, with
 * row p replaced; its attention reads the corrupted run's keys and values for
 * positions < p. Many such runs are stacked into one batch so each weight is applied by
 * one large matrix product (see pl-forward.h).
 */
#include <math.h>
#include <string.h>

#include "pl-error.h"
#include "pl-forward.h"
#include "pl-model-check.h"
#include "pl-sweep.h"

/* Scratch memory the batched runs may use, and the most rows in one batch. */
#define BATCH_BYTES (96u << 20)
#define BATCH_MAX_ROWS 2048

/* Everything one unpatched run leaves behind, every (L, T, C) unless said. */
typedef struct {
  float *resid;     /* (L + 1, T, C): resid[b] is the input of block b, resid[L] the output */
  float *attn_out;
  float *mlp_out;
  float *k;
  float *v;
  float *final_h;   /* (C) ln_f at the last position */
} RunCache;

typedef struct {
  PlModel              *model;
  const PlSweepOptions *opt;
  int                   L, T, C;
  gint32                id_a, id_b;   /* clean answer, corrupted answer */
  RunCache              clean, corr;
  float                *start_rows;   /* (L, T, C): row p of the run patched at (l, p) */
  PlSweepResult        *result;
  double                d_clean, d_corr;   /* logit-diff of the unpatched runs */
  gint64                t0;
  int                   done;
  PlSweepProgressFunc   progress;
  gpointer              user_data;
  GCancellable         *cancellable;
} Sweep;

static inline float *
at (float *base, int T, int C, int layer, int pos)
{
  return base + ((gsize) layer * T + pos) * C;
}

/* ---- the two unpatched runs ---- */

static void
cache_init (RunCache *c, int L, int T, int C)
{
  gsize n = (gsize) L * T * C;

  c->resid = g_new (float, n + (gsize) T * C);
  c->attn_out = g_new (float, n);
  c->mlp_out = g_new (float, n);
  c->k = g_new (float, n);
  c->v = g_new (float, n);
  c->final_h = g_new (float, C);
}

static void
cache_clear (RunCache *c)
{
  g_free (c->resid);
  g_free (c->attn_out);
  g_free (c->mlp_out);
  g_free (c->k);
  g_free (c->v);
  g_free (c->final_h);
}

/* Runs the clean and corrupted prompts (T each) through the model as one batch of two
 * segments, keeping every activation a patch may need: with few rows, packing the
 * weights costs as much as multiplying, so one product for both runs halves that. */
static void
capture_runs (Sweep *sw, PlScratch *s)
{
  int L = sw->L, T = sw->T, C = sw->C;
  PlSegment segs[2] = { { 0, T, 0 }, { 0, T, T } };
  RunCache *c[2] = { &sw->clean, &sw->corr };
  const gint32 *ids[2] = { sw->result->inputs->clean.ids, sw->result->inputs->corrupted.ids };
  g_autofree float *x = g_new (float, (gsize) 2 * T * C);

  for (int r = 0; r < 2; r++)
    {
      pl_embed (sw->model, ids[r], T, x + (gsize) r * T * C);
      memcpy (c[r]->resid, x + (gsize) r * T * C, sizeof (float) * T * C);
    }
  for (int b = 0; b < L; b++)
    {
      PlBlockTaps taps[2];

      for (int r = 0; r < 2; r++)
        taps[r] = (PlBlockTaps) {
          at (c[r]->attn_out, T, C, b, 0), at (c[r]->mlp_out, T, C, b, 0),
          at (c[r]->k, T, C, b, 0), at (c[r]->v, T, C, b, 0),
        };
      pl_block_forward (sw->model, b, x, segs, 2, NULL, NULL, s, taps, NULL);
      for (int r = 0; r < 2; r++)
        memcpy (at (c[r]->resid, T, C, b + 1, 0), x + (gsize) r * T * C,
                sizeof (float) * T * C);
    }
  for (int r = 0; r < 2; r++)
    pl_final_norm (sw->model, at (c[r]->resid, T, C, L, T - 1), c[r]->final_h);
}

/* ---- metrics ---- */

/* The metric for a run whose answers have logits a (clean answer) and b (corrupted
 * answer), lse the log-sum-exp of all its logits (prob-diff only). */
static double
metric_of (Sweep *sw, double a, double b, double lse)
{
  switch (sw->opt->metric)
    {
    case PL_METRIC_LOGIT_DIFF:
      return b - a;
    case PL_METRIC_LOGIT_DELTA:
      return a - sw->result->clean_logits[0];
    case PL_METRIC_PROB_DIFF:
      return exp (b - lse) - exp (a - lse);
    case PL_METRIC_RESTORED:
      return (sw->d_corr - (b - a)) / (sw->d_corr - sw->d_clean);
    default:
      g_return_val_if_reached (NAN);
    }
}

static double
metric_value (Sweep *sw, const float *h, double lse)
{
  return metric_of (sw, pl_token_logit (sw->model, h, sw->id_a),
                    pl_token_logit (sw->model, h, sw->id_b), lse);
}

static void
report (Sweep *sw)
{
  PlSweepProgress p = {
    sw->done, sw->L * sw->T, (g_get_monotonic_time () - sw->t0) / 1e6, sw->result->matrix,
  };

  if (sw->progress)
    sw->progress (&p, sw->user_data);
}

/* Cells whose full next-token distribution is computed in one matrix product: the
 * logits of 32 cells of a 50257-token vocabulary take 6 MB. */
#define LSE_CHUNK 32

/* lse[i] = log-sum-exp of the logits of cell cells[i], which only prob-diff needs.
 * Batched, since one product per cell would read all of wte once per cell. */
static void
cells_lse (Sweep *sw, const int *cells, int n, double *lse)
{
  int V = pl_model_config (sw->model)->vocab_size, C = sw->C;
  g_autofree float *h = g_new (float, (gsize) LSE_CHUNK * C);
  g_autofree float *logits = g_new (float, (gsize) LSE_CHUNK * V);

  for (int first = 0; first < n; first += LSE_CHUNK)
    {
      int m = MIN (LSE_CHUNK, n - first);

      for (int i = 0; i < m; i++)
        memcpy (h + (gsize) i * C, sw->result->final_hidden + (gsize) cells[first + i] * C,
                sizeof (float) * C);
      pl_lm_head_rows (sw->model, h, m, logits);
      for (int i = 0; i < m; i++)
        lse[first + i] = pl_logsumexp (logits + (gsize) i * V, V);
    }
}

/* Fills the matrix for the n cells listed (indices in the (l, p) order), whose final
 * hidden states are in place. */
static void
finish_cells (Sweep *sw, const int *cells, int n)
{
  PlSweepResult *r = sw->result;
  g_autofree double *lse = g_new0 (double, n);

  if (sw->opt->metric == PL_METRIC_PROB_DIFF)
    cells_lse (sw, cells, n, lse);
  for (int i = 0; i < n; i++)
    r->matrix[cells[i]] = metric_value (sw, r->final_hidden + (gsize) cells[i] * sw->C, lse[i]);
  sw->done += n;
  report (sw);
}

/* ---- the patched runs ---- */

static int
start_block (const Sweep *sw, int layer)
{
  return sw->opt->site == PL_SITE_RESID_PRE ? layer : layer + 1;
}

/* start_rows[l][p]: the residual row at position p entering block start_block (l) in
 * the run patched at (l, p). */
static void
prepare_start_rows (Sweep *sw, PlScratch *s)
{
  int L = sw->L, T = sw->T, C = sw->C;
  gsize n = (gsize) T * C;

  for (int l = 0; l < L; l++)
    {
      float *dst = at (sw->start_rows, T, C, l, 0);
      const float *pre = at (sw->corr.resid, T, C, l, 0);

      switch (sw->opt->site)
        {
        case PL_SITE_RESID_PRE:
          memcpy (dst, at (sw->clean.resid, T, C, l, 0), sizeof (float) * n);
          break;
        case PL_SITE_RESID_POST:
          memcpy (dst, at (sw->clean.resid, T, C, l + 1, 0), sizeof (float) * n);
          break;
        case PL_SITE_ATTN_OUT:  /* corrupted input + clean attention, then block l's MLP */
          for (gsize i = 0; i < n; i++)
            dst[i] = pre[i] + at (sw->clean.attn_out, T, C, l, 0)[i];
          pl_block_mlp (sw->model, l, dst, T, s);
          for (gsize i = 0; i < n; i++)
            dst[i] += s->mlp[i];
          break;
        case PL_SITE_MLP_OUT:   /* corrupted input + corrupted attention + clean MLP */
          for (gsize i = 0; i < n; i++)
            dst[i] = (pre[i] + at (sw->corr.attn_out, T, C, l, 0)[i])
                     + at (sw->clean.mlp_out, T, C, l, 0)[i];
          break;
        }
    }
}

/* Runs the n cells listed as one batch. Cells are listed in the (l, p) order, so by
 * their start block: the runs active at a block are a prefix of the batch. */
static gboolean
run_batch (Sweep *sw, const int *cells, int n, float *x, PlSegment *segs, PlScratch *s)
{
  int T = sw->T, C = sw->C, row = 0;

  for (int i = 0; i < n; i++)
    {
      int l = cells[i] / T, p = cells[i] % T;

      segs[i] = (PlSegment) { p, T - p, row };
      memcpy (x + (gsize) row * C, at (sw->corr.resid, T, C, start_block (sw, l), p),
              sizeof (float) * (T - p) * C);
      memcpy (x + (gsize) row * C, at (sw->start_rows, T, C, l, p), sizeof (float) * C);
      row += T - p;
    }
  for (int b = start_block (sw, cells[0] / T), active = 0; b < sw->L; b++)
    {
      while (active < n && start_block (sw, cells[active] / T) <= b)
        active++;
      if (g_cancellable_is_cancelled (sw->cancellable))
        return FALSE;
      if (b == sw->L - 1)   /* only the last position is read: the rest is not needed */
        pl_block_forward_last_rows (sw->model, b, x, segs, active, at (sw->corr.k, T, C, b, 0),
                                    at (sw->corr.v, T, C, b, 0), s);
      else
        pl_block_forward (sw->model, b, x, segs, active, at (sw->corr.k, T, C, b, 0),
                          at (sw->corr.v, T, C, b, 0), s, NULL, NULL);
    }
  for (int i = 0; i < n; i++)
    pl_final_norm (sw->model, x + (gsize) (segs[i].row + segs[i].n - 1) * C,
                   sw->result->final_hidden + (gsize) cells[i] * C);
  finish_cells (sw, cells, n);
  return TRUE;
}

static int
batch_rows (const Sweep *sw)
{
  int rows = BATCH_BYTES / (sizeof (float) * 12 * (gsize) sw->C);
  return MAX (MIN (rows, BATCH_MAX_ROWS), sw->T);
}

/* A patch that writes the value already there leaves the corrupted run as it is: its
 * cell is the corrupted run's (every position before the first differing token). The
 * rest are listed in (l, p) order. */
static int
cells_to_run (Sweep *sw, int *cells)
{
  int T = sw->T, C = sw->C, n = 0, n_same = 0;
  g_autofree int *same = g_new (int, sw->L * T);

  for (int cell = 0; cell < sw->L * T; cell++)
    {
      int l = cell / T, p = cell % T;
      const float *patched = at (sw->start_rows, T, C, l, p);

      if (memcmp (patched, at (sw->corr.resid, T, C, start_block (sw, l), p),
                  sizeof (float) * C) == 0)
        {
          memcpy (sw->result->final_hidden + (gsize) cell * C, sw->corr.final_h,
                  sizeof (float) * C);
          same[n_same++] = cell;
        }
      else
        cells[n++] = cell;
    }
  if (n_same > 0)
    finish_cells (sw, same, n_same);
  return n;
}

static gboolean
run_fast (Sweep *sw)
{
  int T = sw->T, max_rows = batch_rows (sw);
  g_autofree float *x = g_new (float, (gsize) max_rows * sw->C);
  g_autofree PlSegment *segs = g_new (PlSegment, sw->L * T);
  g_autofree int *cells = g_new (int, sw->L * T);
  PlScratch *s = pl_scratch_new (pl_model_config (sw->model), max_rows, T);
  gboolean ok = TRUE;
  int n_cells;

  prepare_start_rows (sw, s);
  n_cells = cells_to_run (sw, cells);
  for (int first = 0; ok && first < n_cells;)
    {
      int n = 0, rows = 0;

      while (first + n < n_cells && rows + (T - cells[first + n] % T) <= max_rows)
        rows += T - cells[first + n++] % T;
      ok = run_batch (sw, cells + first, n, x, segs, s);
      first += n;
    }
  pl_scratch_free (s);
  return ok;
}

/* One full forward of the corrupted prompt with the activation at (l, p) replaced. */
static void
run_one_naive (Sweep *sw, int l, int p, float *x, PlScratch *s, float *h)
{
  int T = sw->T, C = sw->C;
  PlSegment seg = { 0, T, 0 };
  PlSite site = sw->opt->site;
  PlBlockPatch patch = { site, p, NULL };

  if (site == PL_SITE_ATTN_OUT)
    patch.row = at (sw->clean.attn_out, T, C, l, p);
  else if (site == PL_SITE_MLP_OUT)
    patch.row = at (sw->clean.mlp_out, T, C, l, p);
  pl_embed (sw->model, sw->result->inputs->corrupted.ids, T, x);
  for (int b = 0; b < sw->L; b++)
    {
      if (site == PL_SITE_RESID_PRE && b == l)
        memcpy (x + (gsize) p * C, at (sw->clean.resid, T, C, l, p), sizeof (float) * C);
      pl_block_forward (sw->model, b, x, &seg, 1, NULL, NULL, s, NULL,
                        b == l && patch.row ? &patch : NULL);
      if (site == PL_SITE_RESID_POST && b == l)
        memcpy (x + (gsize) p * C, at (sw->clean.resid, T, C, l + 1, p), sizeof (float) * C);
    }
  pl_final_norm (sw->model, x + (gsize) (T - 1) * C, h);
}

static gboolean
run_naive (Sweep *sw)
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
        finish_cells (sw, &cell, 1);
        ok = !g_cancellable_is_cancelled (sw->cancellable);
      }
  pl_scratch_free (s);
  return ok;
}

/* ---- set-up ---- */

static gboolean
check_inputs (PlModel *model, const PlInputs *in, GError **error)
{
  const PlConfig *cfg = pl_model_config (model);
  gint32 answers[2] = { in->clean_answer_id, in->corrupted_answer_id };

  if (in->clean.n_tokens != in->corrupted.n_tokens)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_TOKEN_COUNT,
                   "The prompts have %d and %d tokens; they must have the same number",
                   in->clean.n_tokens, in->corrupted.n_tokens);
      return FALSE;
    }
  if (in->clean.n_tokens > cfg->n_positions)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_TOO_LONG,
                   "The prompts have %d tokens; %s reads at most %d", in->clean.n_tokens,
                   pl_model_name (model), cfg->n_positions);
      return FALSE;
    }
  for (int i = 0; i < 2; i++)
    if (answers[i] < 0 || answers[i] >= cfg->vocab_size)
      {
        g_set_error (error, PL_ERROR, PL_ERROR_ANSWER,
                     "Answer token %d is outside the model's vocabulary (%d tokens)",
                     answers[i], cfg->vocab_size);
        return FALSE;
      }
  return TRUE;
}

/* Fills one unpatched run's side of the result from its logits (V): top-k and answer
 * logits; returns the log-sum-exp of its logits. */
static double
summarize_run (Sweep *sw, RunCache *c, const float *logits, gboolean clean)
{
  PlSweepResult *r = sw->result;
  int V = pl_model_config (sw->model)->vocab_size;
  float *ab = clean ? r->clean_logits : r->corrupted_logits;
  PlTopK *top;

  top = pl_topk_from_logits (logits, V, sw->opt->top_k, pl_model_tokenizer (sw->model));
  ab[0] = pl_token_logit (sw->model, c->final_h, sw->id_a);
  ab[1] = pl_token_logit (sw->model, c->final_h, sw->id_b);
  *(clean ? &r->clean_topk : &r->corrupted_topk) = top;
  *(clean ? &sw->d_clean : &sw->d_corr) = (double) ab[1] - ab[0];
  return pl_logsumexp (logits, V);
}

static PlSweepResult *
result_new (Sweep *sw, const PlInputs *inputs)
{
  PlSweepResult *r = g_new0 (PlSweepResult, 1);
  gsize cells = (gsize) sw->L * sw->T;

  r->model_name = g_strdup (pl_model_name (sw->model));
  r->inputs = pl_inputs_copy (inputs);
  r->site = sw->opt->site;
  r->metric = sw->opt->metric;
  r->n_layers = sw->L;
  r->n_positions = sw->T;
  r->n_embd = sw->C;
  r->naive = sw->opt->naive;
  r->matrix = g_new (float, cells);
  for (gsize i = 0; i < cells; i++)
    r->matrix[i] = NAN;
  r->final_hidden = g_new0 (float, cells * sw->C);
  return r;
}

static gboolean
run_unpatched (Sweep *sw, GError **error)
{
  PlScratch *s = pl_scratch_new (pl_model_config (sw->model), 2 * sw->T, sw->T);
  PlSweepResult *r = sw->result;
  double lse_clean, lse_corr;
  int V = pl_model_config (sw->model)->vocab_size, C = sw->C;
  g_autofree float *h = g_new (float, 2 * (gsize) C);
  g_autofree float *logits = g_new (float, 2 * (gsize) V);

  capture_runs (sw, s);
  pl_scratch_free (s);
  /* both runs' logits (2, V) in one product: wte is read once, not twice */
  memcpy (h, sw->clean.final_h, sizeof (float) * C);
  memcpy (h + C, sw->corr.final_h, sizeof (float) * C);
  pl_lm_head_rows (sw->model, h, 2, logits);
  lse_clean = summarize_run (sw, &sw->clean, logits, TRUE);
  lse_corr = summarize_run (sw, &sw->corr, logits + V, FALSE);
  if (!isfinite (lse_clean) || !isfinite (lse_corr))
    {
      pl_model_explain_nonfinite (sw->model, isfinite (lse_clean) ? r->inputs->corrupted.ids
                                  : r->inputs->clean.ids, sw->T, error);
      return FALSE;
    }
  if (sw->opt->metric == PL_METRIC_RESTORED
      && !pl_restored_check (r->clean_logits, r->corrupted_logits, error))
    return FALSE;
  r->clean_value = metric_of (sw, r->clean_logits[0], r->clean_logits[1], lse_clean);
  r->corrupted_value = metric_of (sw, r->corrupted_logits[0], r->corrupted_logits[1], lse_corr);
  return TRUE;
}

PlSweepResult *
pl_sweep_run (PlModel               *model,
              const PlInputs        *inputs,
              const PlSweepOptions  *options,
              PlSweepProgressFunc    progress,
              gpointer               user_data,
              GCancellable          *cancellable,
              GError               **error)
{
  const PlConfig *cfg = pl_model_config (model);
  Sweep sw = {
    .model = model, .opt = options, .L = cfg->n_layer, .T = inputs->clean.n_tokens,
    .C = cfg->n_embd, .id_a = inputs->clean_answer_id,
    .id_b = inputs->corrupted_answer_id, .progress = progress, .user_data = user_data,
    .cancellable = cancellable, .t0 = g_get_monotonic_time (),
  };
  gboolean ok;

  if (!check_inputs (model, inputs, error))
    return NULL;
  sw.result = result_new (&sw, inputs);
  cache_init (&sw.clean, sw.L, sw.T, sw.C);
  cache_init (&sw.corr, sw.L, sw.T, sw.C);
  sw.start_rows = g_new (float, (gsize) sw.L * sw.T * sw.C);
  ok = run_unpatched (&sw, error);
  if (ok)
    {
      report (&sw);
      ok = options->naive ? run_naive (&sw) : run_fast (&sw);
      if (!ok)
        g_cancellable_set_error_if_cancelled (cancellable, error);
      else
        ok = pl_sweep_check_matrix (sw.result, error);
    }
  cache_clear (&sw.clean);
  cache_clear (&sw.corr);
  g_free (sw.start_rows);
  if (!ok)
    {
      pl_sweep_result_free (sw.result);
      return NULL;
    }
  sw.result->seconds = (g_get_monotonic_time () - sw.t0) / 1e6;
  return sw.result;
}

void
pl_sweep_result_free (PlSweepResult *r)
{
  if (r == NULL)
    return;
  g_free (r->model_name);
  pl_inputs_free (r->inputs);
  pl_topk_free (r->clean_topk);
  pl_topk_free (r->corrupted_topk);
  g_free (r->matrix);
  g_free (r->final_hidden);
  g_free (r);
}

PlTopK *
pl_sweep_cell_topk (PlModel             *model,
                    const PlSweepResult *result,
                    int                  layer,
                    int                  pos,
                    int                  k)
{
  int V = pl_model_config (model)->vocab_size;
  g_autofree float *logits = NULL;

  g_return_val_if_fail (result->final_hidden != NULL, NULL);
  g_return_val_if_fail (result->n_embd == pl_model_config (model)->n_embd, NULL);
  g_return_val_if_fail (layer >= 0 && layer < result->n_layers, NULL);
  g_return_val_if_fail (pos >= 0 && pos < result->n_positions, NULL);
  logits = g_new (float, V);
  pl_lm_head (model, result->final_hidden
                     + ((gsize) layer * result->n_positions + pos) * result->n_embd, logits);
  return pl_topk_from_logits (logits, V, k, pl_model_tokenizer (model));
}

PlTopK *
pl_model_topk (PlModel      *model,
               const gint32 *ids,
               int           n_ids,
               int           k,
               GError      **error)
{
  int V = pl_model_config (model)->vocab_size;
  g_autofree float *logits = g_new (float, V);

  if (!pl_model_last_logits (model, ids, n_ids, logits, error)
      || !pl_model_check_logits (model, ids, n_ids, logits, V, error))
    return NULL;
  return pl_topk_from_logits (logits, V, k, pl_model_tokenizer (model));
}
