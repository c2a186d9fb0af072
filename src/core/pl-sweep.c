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
 *
 * The runs are named by direction (pl-sweep-private.h): "corrupted" above is the base
 * run and "clean" the source run when denoising; noising swaps them. This file sets the
 * sweep up, runs the unpatched runs and computes the metrics; the patched runs of block
 * sites are in pl-sweep-blocks.c, of head sites in pl-sweep-heads.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pl-error.h"
#include "pl-sweep-private.h"
#include "pl-model-check.h"

/* ---- the two unpatched runs ---- */

static void
cache_init (RunCache *c, int L, int T, int C, gboolean heads)
{
  gsize n = (gsize) L * T * C;

  c->q = heads ? g_new (float, n) : NULL;
  c->z = heads ? g_new (float, n) : NULL;
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
  g_free (c->q);
  g_free (c->z);
  g_free (c->final_h);
}

/* Runs the clean and corrupted prompts (T each) of n pairs through the model as one
 * batch of 2n segments, keeping every activation a patch may need: with few rows,
 * packing the weights costs as much as multiplying, so one product for all the runs
 * shares that. Head sites (n = 1) also keep q and z, through the attention hook. */
static void
capture_runs (Sweep *const *sws, int n, PlScratch *s)
{
  int L = sws[0]->L, T = sws[0]->T, C = sws[0]->C;
  g_autofree PlSegment *segs = g_new0 (PlSegment, 2 * n);
  g_autofree RunCache **c = g_new (RunCache *, 2 * n);
  g_autofree PlBlockTaps *taps = g_new (PlBlockTaps, 2 * n);
  g_autofree float *x = g_new (float, (gsize) 2 * n * T * C);
  PlHeadCapture heads = { { &sws[0]->clean, &sws[0]->corr }, T, C, 0 };
  PlBlockPatch hook = { .site = PL_SITE_HEAD_OUT, .hook = pl_sweep_heads_capture,
                        .hook_data = &heads };

  g_assert (n == 1 || sws[0]->clean.q == NULL);
  for (int r = 0; r < 2 * n; r++)
    {
      const PlInputs *in = sws[r / 2]->result->inputs;

      c[r] = r % 2 ? &sws[r / 2]->corr : &sws[r / 2]->clean;
      segs[r] = (PlSegment) { 0, T, r * T };
      pl_embed (sws[0]->model, r % 2 ? in->corrupted.ids : in->clean.ids, T,
                x + (gsize) r * T * C);
      memcpy (c[r]->resid, x + (gsize) r * T * C, sizeof (float) * T * C);
    }
  for (int b = 0; b < L; b++)
    {
      for (int r = 0; r < 2 * n; r++)
        taps[r] = (PlBlockTaps) {
          at (c[r]->attn_out, T, C, b, 0), at (c[r]->mlp_out, T, C, b, 0),
          at (c[r]->k, T, C, b, 0), at (c[r]->v, T, C, b, 0),
        };
      heads.block = b;
      pl_block_forward (sws[0]->model, b, x, segs, 2 * n, NULL, NULL, s, taps,
                        sws[0]->clean.q != NULL ? &hook : NULL);
      for (int r = 0; r < 2 * n; r++)
        memcpy (at (c[r]->resid, T, C, b + 1, 0), x + (gsize) r * T * C,
                sizeof (float) * T * C);
    }
  for (int r = 0; r < 2 * n; r++)
    pl_final_norm (sws[0]->model, at (c[r]->resid, T, C, L, T - 1), c[r]->final_h);
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
    case PL_METRIC_RESTORED:   /* the fraction of the base -> source change reproduced */
      if (sw->opt->direction == PL_DIRECTION_NOISE)
        return ((b - a) - sw->d_clean) / (sw->d_corr - sw->d_clean);
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

void
pl_sweep_report (Sweep *sw)
{
  PlSweepProgress p = {
    sw->done, (int) sw->n_cells, (g_get_monotonic_time () - sw->t0) / 1e6, sw->result->matrix,
    sw->result->clean_value, sw->result->corrupted_value,
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

void
pl_sweep_finish_cells (Sweep *sw, const int *cells, int n)
{
  PlSweepResult *r = sw->result;
  g_autofree double *lse = g_new0 (double, n);

  if (sw->opt->metric == PL_METRIC_PROB_DIFF)
    cells_lse (sw, cells, n, lse);
  for (int i = 0; i < n; i++)
    r->matrix[cells[i]] = metric_value (sw, r->final_hidden + (gsize) cells[i] * sw->C, lse[i]);
  sw->done += n;
  pl_sweep_report (sw);
}

void
pl_sweep_finish_unchanged (Sweep *sw, const int *cells, int n)
{
  for (int i = 0; i < n; i++)
    memcpy (sw->result->final_hidden + (gsize) cells[i] * sw->C, sw->base->final_h,
            sizeof (float) * sw->C);
  sw->result->cells_skipped += n;
  if (n > 0)
    pl_sweep_finish_cells (sw, cells, n);
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

/* The most floats of final hidden states a sweep keeps (1 GiB). */
#define MAX_KEPT_FLOATS ((gsize) 1 << 28)

static gboolean
check_options (const PlSweepOptions *opt, GError **error)
{
  if ((guint) opt->site >= PL_N_SITES || (guint) opt->metric >= PL_N_METRICS
      || (guint) opt->direction >= PL_N_DIRECTIONS)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
                   "Unknown site, metric or direction (%d, %d, %d)", opt->site,
                   opt->metric, opt->direction);
      return FALSE;
    }
  if (opt->by_position && !pl_site_is_head (opt->site))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
                   "Patching by position applies to the head sites (head_out, head_q, "
                   "head_k, head_v, head_pattern); %s is always patched one position at "
                   "a time", pl_site_to_string (opt->site));
      return FALSE;
    }
  return TRUE;
}

/* Cells of a sweep: (L, T), (L, H) or (L, T, H). */
static gsize
count_cells (PlSite site, gboolean by_position, int L, int T, int H)
{
  if (!pl_site_is_head (site))
    return (gsize) L * T;
  return (gsize) L * H * (by_position ? T : 1);
}

gsize
pl_sweep_result_n_cells (const PlSweepResult *r)
{
  g_return_val_if_fail (r != NULL, 0);
  return count_cells (r->site, r->by_position, r->n_layers, r->n_positions, r->n_heads);
}

const char *const *
pl_sweep_result_axes (const PlSweepResult *r)
{
  static const char *const block[] = { "layer", "position", NULL };
  static const char *const heads[] = { "layer", "head", NULL };
  static const char *const by_pos[] = { "layer", "position", "head", NULL };

  g_return_val_if_fail (r != NULL, NULL);
  if (!pl_site_is_head (r->site))
    return block;
  return r->by_position ? by_pos : heads;
}

static PlSweepResult *
result_new (Sweep *sw, const PlInputs *inputs)
{
  PlSweepResult *r = g_new0 (PlSweepResult, 1);
  gsize cells = sw->n_cells;

  r->model_name = g_strdup (pl_model_name (sw->model));
  r->inputs = pl_inputs_copy (inputs);
  r->site = sw->opt->site;
  r->metric = sw->opt->metric;
  r->n_layers = sw->L;
  r->n_positions = sw->T;
  r->n_embd = sw->C;
  r->naive = sw->opt->naive;
  r->direction = sw->opt->direction;
  r->by_position = sw->opt->by_position;
  r->clean_value = r->corrupted_value = NAN;   /* unknown until the unpatched runs */
  r->n_heads = sw->H;
  r->matrix = g_new (float, cells);
  for (gsize i = 0; i < cells; i++)
    r->matrix[i] = NAN;
  r->final_hidden = g_new0 (float, cells * sw->C);
  return r;
}

/* One pair's side of the unpatched runs, from its two rows of logits (2, V). */
static gboolean
check_unpatched (Sweep *sw, const float *logits, GError **error)
{
  PlSweepResult *r = sw->result;
  int V = pl_model_config (sw->model)->vocab_size;
  double lse_clean = summarize_run (sw, &sw->clean, logits, TRUE);
  double lse_corr = summarize_run (sw, &sw->corr, logits + V, FALSE);

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

/* Pairs whose unpatched logits are computed in one product: (2 x 16, V) floats. */
#define LOGITS_PAIRS 16

/* The top-k, answer logits and metrics of n pairs' unpatched runs, from their final
 * states; on an error, *failed is the pair's index. */
gboolean
pl_sweep_summarize_unpatched (Sweep *const *sws, int n, int *failed, GError **error)
{
  int C = sws[0]->C, V = pl_model_config (sws[0]->model)->vocab_size;
  int m = MIN (n, LOGITS_PAIRS);
  g_autofree float *h = g_new (float, 2 * (gsize) m * C);
  g_autofree float *logits = g_new (float, 2 * (gsize) m * V);

  /* the runs' logits (2m, V) in one product: wte is read once, not 2m times */
  for (int first = 0; first < n; first += m)
    {
      int k = MIN (m, n - first);

      for (int i = 0; i < k; i++)
        {
          memcpy (h + (gsize) 2 * i * C, sws[first + i]->clean.final_h, sizeof (float) * C);
          memcpy (h + (gsize) (2 * i + 1) * C, sws[first + i]->corr.final_h,
                  sizeof (float) * C);
        }
      pl_lm_head_rows (sws[0]->model, h, 2 * k, logits);
      for (int i = 0; i < k; i++)
        if (!check_unpatched (sws[first + i], logits + (gsize) 2 * i * V, error))
          {
            *failed = first + i;
            return FALSE;
          }
    }
  return TRUE;
}

/* The unpatched runs of n pairs, as one batch; on an error, *failed is the pair's index. */
static gboolean
run_unpatched (Sweep *const *sws, int n, int *failed, GError **error)
{
  PlScratch *s = pl_scratch_new (pl_model_config (sws[0]->model), 2 * n * sws[0]->T,
                                 sws[0]->T);

  capture_runs (sws, n, s);
  pl_scratch_free (s);
  return pl_sweep_summarize_unpatched (sws, n, failed, error);
}

/* Checks one pair's inputs and sets up its sweep: result, caches. */
static gboolean
sweep_init (Sweep *sw, PlModel *model, const PlInputs *inputs, const PlSweepOptions *options,
            PlSweepProgressFunc progress, gpointer user_data, GCancellable *cancellable,
            GError **error)
{
  const PlConfig *cfg = pl_model_config (model);
  gboolean heads = pl_site_is_head (options->site);
  gboolean noise = options->direction == PL_DIRECTION_NOISE;

  *sw = (Sweep) {
    .model = model, .opt = options, .L = cfg->n_layer, .T = inputs->clean.n_tokens,
    .C = cfg->n_embd, .H = cfg->n_head, .id_a = inputs->clean_answer_id,
    .id_b = inputs->corrupted_answer_id, .progress = progress, .user_data = user_data,
    .cancellable = cancellable, .t0 = g_get_monotonic_time (),
  };
  if (!check_options (options, error) || !check_inputs (model, inputs, error))
    return FALSE;
  sw->n_cells = count_cells (options->site, options->by_position, sw->L, sw->T, sw->H);
  if (sw->n_cells * sw->C > MAX_KEPT_FLOATS)
    {
      /* Each cell keeps its final hidden state (n_embd floats), for its top-k. */
      g_set_error (error, PL_ERROR, PL_ERROR_TOO_LONG,
                   "This sweep has %zu cells, too many to keep (at most %zu for %s); "
                   "patch at all positions or use a shorter prompt", sw->n_cells,
                   (gsize) MAX_KEPT_FLOATS / sw->C, pl_model_name (model));
      return FALSE;
    }
  sw->result = result_new (sw, inputs);
  sw->base = noise ? &sw->clean : &sw->corr;
  sw->src = noise ? &sw->corr : &sw->clean;
  sw->base_ids = noise ? sw->result->inputs->clean.ids : sw->result->inputs->corrupted.ids;
  sw->shared = pl_inputs_first_difference (inputs);
  cache_init (&sw->clean, sw->L, sw->T, sw->C, heads);
  cache_init (&sw->corr, sw->L, sw->T, sw->C, heads);
  sw->start_rows = heads ? NULL : g_new (float, (gsize) sw->L * sw->T * sw->C);
  return TRUE;
}

static void
sweep_clear (Sweep *sw)
{
  cache_clear (&sw->clean);
  cache_clear (&sw->corr);
  g_free (sw->start_rows);
  pl_sweep_result_free (sw->result);
}

/* The runs of n initialized sweeps; FALSE when one fails (*failed: its index) or when
 * cancelled (*failed: -1). */
static gboolean
sweep_many (Sweep *const *sws, int n, int *failed, GError **error)
{
  const PlSweepOptions *opt = sws[0]->opt;
  gboolean ok;

  *failed = -1;
  if (!pl_site_is_head (opt->site) && !opt->naive
      && 2 * n * sws[0]->T < pl_sweep_batch_rows (sws[0]))
    ok = pl_sweep_blocks_first_pass (sws, n, failed, error);
  else
    {
      if (!run_unpatched (sws, n, failed, error))
        return FALSE;
      for (int i = 0; i < n; i++)
        pl_sweep_report (sws[i]);
      if (pl_site_is_head (opt->site))
        ok = opt->naive ? pl_sweep_heads_naive (sws[0]) : pl_sweep_heads_fast (sws[0]);
      else
        ok = opt->naive ? pl_sweep_blocks_naive (sws[0]) : pl_sweep_blocks_fast (sws, n);
    }
  if (!ok)
    {
      if (*failed < 0)
        g_cancellable_set_error_if_cancelled (sws[0]->cancellable, error);
      return FALSE;
    }
  for (int i = 0; i < n; i++)
    if (!pl_sweep_check_matrix (sws[i]->result, error))
      {
        *failed = i;
        return FALSE;
      }
  return TRUE;
}

int
pl_sweep_pairs_per_batch (PlModel *model, int T, const PlSweepOptions *options)
{
  const PlConfig *cfg = pl_model_config (model);
  gsize per_pair = sizeof (float) * (gsize) T * cfg->n_embd
                   * (2 * (5 * (gsize) cfg->n_layer + 1) + 2 * (gsize) cfg->n_layer);

  if (options->naive || pl_site_is_head (options->site))
    return 1;
  return (int) CLAMP (PL_SWEEP_PAIRS_BYTES / per_pair, 1, PL_SWEEP_MAX_PAIRS);
}

gboolean
pl_sweep_run_many (PlModel               *model,
                   const PlInputs *const *inputs,
                   int                    n,
                   const PlSweepOptions  *options,
                   PlSweepProgressFunc    progress,
                   gpointer const        *user_data,
                   GCancellable          *cancellable,
                   PlSweepResult        **results,
                   int                   *failed,
                   GError               **error)
{
  g_autofree Sweep *sw = g_new0 (Sweep, n);
  g_autofree Sweep **sws = g_new (Sweep *, n);
  gboolean ok = TRUE;
  int ready = 0;

  g_return_val_if_fail (n == 1 || !(options->naive || pl_site_is_head (options->site)),
                        FALSE);
  *failed = -1;
  for (; ok && ready < n; ready++)
    {
      sws[ready] = &sw[ready];
      ok = sweep_init (&sw[ready], model, inputs[ready], options, progress,
                       user_data ? user_data[ready] : NULL, cancellable, error);
      if (ok && ready > 0 && sw[ready].T != sw[0].T)
        {
          g_set_error (error, PL_ERROR, PL_ERROR_TOKEN_COUNT,
                       "The pairs have %d and %d tokens; a batch of pairs needs one count",
                       sw[0].T, sw[ready].T);
          ok = FALSE;
        }
      if (!ok)
        *failed = ready;
    }
  ok = ok && sweep_many (sws, n, failed, error) && pl_model_check_intact (model, error);
  for (int i = 0; i < ready; i++)
    {
      if (ok)
        {
          sw[i].result->seconds = (g_get_monotonic_time () - sw[i].t0) / 1e6;
          results[i] = g_steal_pointer (&sw[i].result);
        }
      sweep_clear (&sw[i]);
    }
  return ok;
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
  PlSweepResult *result = NULL;
  int failed;

  if (!pl_sweep_run_many (model, &inputs, 1, options, progress, &user_data, cancellable,
                          &result, &failed, error))
    return NULL;
  return result;
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
  gboolean heads = pl_site_is_head (result->site);
  int H = result->n_heads, T = result->n_positions;
  int rows = heads && result->by_position ? result->n_layers * H : result->n_layers;
  int cols = heads && !result->by_position ? H : T;
  gsize cell = (gsize) layer * cols + pos;   /* block sites, and heads at all positions */

  g_return_val_if_fail (result->final_hidden != NULL, NULL);
  g_return_val_if_fail (result->n_embd == pl_model_config (model)->n_embd, NULL);
  g_return_val_if_fail (layer >= 0 && layer < rows, NULL);
  g_return_val_if_fail (pos >= 0 && pos < cols, NULL);
  if (heads && result->by_position)   /* row = l * H + h, col = p; the cell (l, p, h) */
    cell = ((gsize) (layer / H) * T + pos) * H + layer % H;
  logits = g_new (float, V);
  pl_lm_head (model, result->final_hidden + cell * result->n_embd, logits);
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
