/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-forward.c: GPT-2's layers. Matrix products go to BLAS (OpenBLAS owns all the
 * parallelism); the rest are plain loops written so the compiler vectorizes them.
 *
 * Shapes: C = n_embd, H = n_head, hs = C / H, R = rows in a batch, T = positions.
 */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "pl-forward.h"
#include "pl-gelu.h"

PlScratch *
pl_scratch_new (const PlConfig *cfg, int max_rows, int n_ctx)
{
  PlScratch *s = g_new0 (PlScratch, 1);
  gsize R = max_rows, C = cfg->n_embd;

  s->max_rows = max_rows;
  s->n_ctx = n_ctx;
  s->C = cfg->n_embd;
  s->ln = g_new (float, R * C);
  s->qkv = g_new (float, R * 3 * C);
  s->att = g_new (float, R * C);
  s->proj = g_new (float, R * C);
  s->fc = g_new (float, R * 4 * C);
  s->mlp = g_new (float, R * C);
  pl_attn_head_init (&s->kv, n_ctx, cfg->n_embd / cfg->n_head);
  return s;
}

void
pl_scratch_free (PlScratch *s)
{
  if (s == NULL)
    return;
  g_free (s->ln);
  g_free (s->qkv);
  g_free (s->att);
  g_free (s->proj);
  g_free (s->fc);
  g_free (s->mlp);
  pl_attn_head_clear (&s->kv);
  g_free (s);
}

void
pl_embed (const PlModel *model, const gint32 *ids, int T, float *x)
{
  const PlWeights *w = pl_model_weights ((PlModel *) model);
  int C = pl_model_config ((PlModel *) model)->n_embd;

  for (int t = 0; t < T; t++)
    {
      const float *te = w->wte + (gsize) ids[t] * C;
      const float *pe = w->wpe + (gsize) t * C;
      float *out = x + (gsize) t * C;

      for (int i = 0; i < C; i++)
        out[i] = te[i] + pe[i];
    }
}

/* out (R, C) = (x - mean) / sqrt(var + eps) * w + b, row by row; statistics in double so
 * a large residual stream does not lose the small variations that matter. */
static void
layernorm (const float *x, int R, int C, const float *w, const float *b, float eps,
           float *out)
{
  for (int r = 0; r < R; r++)
    {
      const float *xr = x + (gsize) r * C;
      float *o = out + (gsize) r * C;
      double sum = 0.0, sq = 0.0;
      float mean, rstd;

#pragma omp simd reduction(+:sum)
      for (int i = 0; i < C; i++)
        sum += xr[i];
      mean = sum / C;
#pragma omp simd reduction(+:sq)
      for (int i = 0; i < C; i++)
        sq += (double) (xr[i] - mean) * (xr[i] - mean);
      rstd = 1.0 / sqrt (sq / C + eps);
      for (int i = 0; i < C; i++)
        o[i] = (xr[i] - mean) * rstd * w[i] + b[i];
    }
}

/* out (R, N) = x (R, K) · W (K, N) + bias (N) */
static void
linear (const float *x, int R, int K, const float *W, const float *bias, int N, float *out)
{
  for (int r = 0; r < R; r++)
    memcpy (out + (gsize) r * N, bias, sizeof (float) * N);
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, R, N, K,
               1.0f, x, K, W, N, 1.0f, out, N);
}

static void
copy_rows (float *dst, const float *src, int pos0, int n, int C, int stride, int offset)
{
  for (int i = 0; i < n; i++)
    memcpy (dst + (gsize) (pos0 + i) * C, src + (gsize) i * stride + offset,
            sizeof (float) * C);
}

/* Stores a single-segment batch's activations (pos0 = 0) for later patching. */
static void
record_attention_taps (const PlBlockTaps *taps, const PlSegment *seg, const PlScratch *s)
{
  int C = s->C;

  if (taps->k)
    copy_rows (taps->k, s->qkv + (gsize) seg->row * 3 * C, seg->pos0, seg->n, C, 3 * C, C);
  if (taps->v)
    copy_rows (taps->v, s->qkv + (gsize) seg->row * 3 * C, seg->pos0, seg->n, C, 3 * C, 2 * C);
  if (taps->attn_out)
    copy_rows (taps->attn_out, s->proj + (gsize) seg->row * C, seg->pos0, seg->n, C, C, 0);
}

static void
add_rows (float *x, const float *y, gsize n)
{
  for (gsize i = 0; i < n; i++)
    x[i] += y[i];
}

void
pl_block_mlp (const PlModel *model, int b, float *x, int n_rows, PlScratch *s)
{
  const PlConfig *cfg = pl_model_config ((PlModel *) model);
  const PlBlockWeights *w = &pl_model_weights ((PlModel *) model)->blocks[b];
  int C = cfg->n_embd;

  layernorm (x, n_rows, C, w->ln_2_w, w->ln_2_b, cfg->layer_norm_epsilon, s->ln);
  linear (s->ln, n_rows, C, w->fc_w, w->fc_b, 4 * C, s->fc);
  pl_gelu (s->fc, (gsize) n_rows * 4 * C);
  linear (s->fc, n_rows, 4 * C, w->mlp_proj_w, w->mlp_proj_b, C, s->mlp);
}

void
pl_block_forward (const PlModel      *model,
                  int                 b,
                  float              *x,
                  const PlSegment    *segs,
                  int                 n_segs,
                  const float        *prefix_k,
                  const float        *prefix_v,
                  PlScratch          *s,
                  const PlBlockTaps  *taps,
                  const PlBlockPatch *patch)
{
  const PlConfig *cfg = pl_model_config ((PlModel *) model);
  const PlBlockWeights *w = &pl_model_weights ((PlModel *) model)->blocks[b];
  int C = cfg->n_embd;
  int R = segs[n_segs - 1].row + segs[n_segs - 1].n;

  g_assert (R <= s->max_rows);
  layernorm (x, R, C, w->ln_1_w, w->ln_1_b, cfg->layer_norm_epsilon, s->ln);
  linear (s->ln, R, C, w->attn_w, w->attn_b, 3 * C, s->qkv);
  for (int i = 0; i < n_segs; i++)
    pl_attention_segment (&s->kv, s->qkv + (gsize) segs[i].row * 3 * C, C, cfg->n_head,
                          segs[i].pos0, segs[i].n, prefix_k, prefix_v, NULL,
                          s->att + (gsize) segs[i].row * C);
  linear (s->att, R, C, w->attn_proj_w, w->attn_proj_b, C, s->proj);
  if (patch && patch->site == PL_SITE_ATTN_OUT)
    memcpy (s->proj + (gsize) patch->pos * C, patch->row, sizeof (float) * C);
  for (int i = 0; taps && i < n_segs; i++)
    record_attention_taps (&taps[i], &segs[i], s);
  add_rows (x, s->proj, (gsize) R * C);

  pl_block_mlp (model, b, x, R, s);
  if (patch && patch->site == PL_SITE_MLP_OUT)
    memcpy (s->mlp + (gsize) patch->pos * C, patch->row, sizeof (float) * C);
  for (int i = 0; taps && i < n_segs; i++)
    if (taps[i].mlp_out)
      copy_rows (taps[i].mlp_out, s->mlp + (gsize) segs[i].row * C, segs[i].pos0, segs[i].n,
                 C, C, 0);
  add_rows (x, s->mlp, (gsize) R * C);
}

/* The keys and values of every row, qkv[:, C:3C) = ln (R, C) · W[:, C:3C) + b[C:3C),
 * and the queries of the segments' last rows only (compact in q, (n_segs, C)). */
static void
last_rows_qkv (const PlBlockWeights *w, const PlSegment *segs, int n_segs, int R, int C,
               PlScratch *s, float *lnc, float *q)
{
  for (int r = 0; r < R; r++)
    memcpy (s->qkv + (gsize) r * 3 * C + C, w->attn_b + C, sizeof (float) * 2 * C);
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, R, 2 * C, C, 1.0f, s->ln, C,
               w->attn_w + C, 3 * C, 1.0f, s->qkv + C, 3 * C);
  for (int i = 0; i < n_segs; i++)
    {
      memcpy (lnc + (gsize) i * C, s->ln + (gsize) (segs[i].row + segs[i].n - 1) * C,
              sizeof (float) * C);
      memcpy (q + (gsize) i * C, w->attn_b, sizeof (float) * C);
    }
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n_segs, C, C, 1.0f, lnc, C,
               w->attn_w, 3 * C, 1.0f, q, C);
  for (int i = 0; i < n_segs; i++)
    memcpy (s->qkv + (gsize) (segs[i].row + segs[i].n - 1) * 3 * C, q + (gsize) i * C,
            sizeof (float) * C);
}

void
pl_block_forward_last_rows (const PlModel   *model,
                            int              b,
                            float           *x,
                            const PlSegment *segs,
                            int              n_segs,
                            const float     *prefix_k,
                            const float     *prefix_v,
                            PlScratch       *s)
{
  const PlConfig *cfg = pl_model_config ((PlModel *) model);
  const PlBlockWeights *w = &pl_model_weights ((PlModel *) model)->blocks[b];
  int C = cfg->n_embd, H = cfg->n_head, hs = C / H;
  int R = segs[n_segs - 1].row + segs[n_segs - 1].n;
  float *xc = s->att;   /* (n_segs, C): the last rows, compact; att is free by then */

  g_assert (R <= s->max_rows && n_segs <= s->max_rows);
  layernorm (x, R, C, w->ln_1_w, w->ln_1_b, cfg->layer_norm_epsilon, s->ln);
  last_rows_qkv (w, segs, n_segs, R, C, s, s->proj, s->mlp);
  for (int i = 0; i < n_segs; i++)   /* att rows, compact: (n_segs, C) */
    {
      const PlSegment *g = &segs[i];
      const float *q = s->qkv + (gsize) (g->row + g->n - 1) * 3 * C;

      for (int h = 0; h < H; h++)
        {
          pl_attn_head_gather (&s->kv, s->qkv + (gsize) g->row * 3 * C, 3 * (gsize) C, C, h,
                               g->pos0, g->n, prefix_k, prefix_v);
          pl_attention_head (&s->kv, q + h * hs, 0, g->pos0 + g->n - 1, 1, NULL, 0,
                             s->ln + (gsize) i * C + h * hs, 0);
        }
    }
  linear (s->ln, n_segs, C, w->attn_proj_w, w->attn_proj_b, C, s->proj);
  for (int i = 0; i < n_segs; i++)
    {
      const float *xr = x + (gsize) (segs[i].row + segs[i].n - 1) * C;

      for (int d = 0; d < C; d++)
        xc[(gsize) i * C + d] = xr[d] + s->proj[(gsize) i * C + d];
    }
  pl_block_mlp (model, b, xc, n_segs, s);
  add_rows (xc, s->mlp, (gsize) n_segs * C);
  for (int i = 0; i < n_segs; i++)
    memcpy (x + (gsize) (segs[i].row + segs[i].n - 1) * C, xc + (gsize) i * C,
            sizeof (float) * C);
}

void
pl_final_norm (const PlModel *model, const float *x, float *out)
{
  const PlConfig *cfg = pl_model_config ((PlModel *) model);
  const PlWeights *w = pl_model_weights ((PlModel *) model);

  layernorm (x, 1, cfg->n_embd, w->ln_f_w, w->ln_f_b, cfg->layer_norm_epsilon, out);
}

void
pl_lm_head (const PlModel *model, const float *h, float *logits)
{
  const PlConfig *cfg = pl_model_config ((PlModel *) model);

  cblas_sgemv (CblasRowMajor, CblasNoTrans, cfg->vocab_size, cfg->n_embd, 1.0f,
               pl_model_weights ((PlModel *) model)->wte, cfg->n_embd, h, 1, 0.0f,
               logits, 1);
}

void
pl_lm_head_rows (const PlModel *model, const float *h, int n, float *logits)
{
  const PlConfig *cfg = pl_model_config ((PlModel *) model);

  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, n, cfg->vocab_size, cfg->n_embd,
               1.0f, h, cfg->n_embd, pl_model_weights ((PlModel *) model)->wte,
               cfg->n_embd, 0.0f, logits, cfg->vocab_size);
}

float
pl_token_logit (const PlModel *model, const float *h, gint32 id)
{
  int C = pl_model_config ((PlModel *) model)->n_embd;
  const float *e = pl_model_weights ((PlModel *) model)->wte + (gsize) id * C;
  double dot = 0.0;

  for (int i = 0; i < C; i++)
    dot += (double) h[i] * e[i];
  return dot;
}
