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
  s->keys = g_new (float, (gsize) n_ctx * C);
  s->values = g_new (float, (gsize) n_ctx * C);
  s->scores = g_new (float, n_ctx);
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
  g_free (s->keys);
  g_free (s->values);
  g_free (s->scores);
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

/* Gathers a segment's keys and values (n_keys, C): positions before pos0 from the
 * prefix cache, its own from the qkv rows. */
static int
gather_kv (const PlSegment *seg, const float *qkv, int C, const float *prefix_k,
           const float *prefix_v, PlScratch *s)
{
  gsize pre = (gsize) seg->pos0 * C;

  if (seg->pos0 > 0)
    {
      memcpy (s->keys, prefix_k, sizeof (float) * pre);
      memcpy (s->values, prefix_v, sizeof (float) * pre);
    }
  for (int i = 0; i < seg->n; i++)
    {
      const float *row = qkv + (gsize) (seg->row + i) * 3 * C;

      memcpy (s->keys + pre + (gsize) i * C, row + C, sizeof (float) * C);
      memcpy (s->values + pre + (gsize) i * C, row + 2 * C, sizeof (float) * C);
    }
  return seg->pos0 + seg->n;
}

/* Causal attention of one segment: for each query position t and head h,
 * att[t, h] = softmax(q·k_j / sqrt(hs), j <= t) · v_j. */
static void
attend_segment (const PlSegment *seg, int C, int H, PlScratch *s)
{
  int hs = C / H;
  float scale = 1.0f / sqrtf ((float) hs);

  for (int i = 0; i < seg->n; i++)
    {
      const float *q = s->qkv + (gsize) (seg->row + i) * 3 * C;
      float *out = s->att + (gsize) (seg->row + i) * C;
      int n_keys = seg->pos0 + i + 1;

      for (int h = 0; h < H; h++)
        {
          const float *qh = q + h * hs;
          float max = -INFINITY, sum = 0.0f;
          float *oh = out + h * hs;

          for (int j = 0; j < n_keys; j++)
            {
              const float *kh = s->keys + (gsize) j * C + h * hs;
              float dot = 0.0f;
#pragma omp simd reduction(+:dot)
              for (int d = 0; d < hs; d++)
                dot += qh[d] * kh[d];
              s->scores[j] = dot * scale;
              max = MAX (max, s->scores[j]);
            }
          for (int j = 0; j < n_keys; j++)
            {
              s->scores[j] = expf (s->scores[j] - max);
              sum += s->scores[j];
            }
          memset (oh, 0, sizeof (float) * hs);
          for (int j = 0; j < n_keys; j++)
            {
              const float *vh = s->values + (gsize) j * C + h * hs;
              float p = s->scores[j] / sum;
#pragma omp simd
              for (int d = 0; d < hs; d++)
                oh[d] += p * vh[d];
            }
        }
    }
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
    {
      gather_kv (&segs[i], s->qkv, C, prefix_k, prefix_v, s);
      attend_segment (&segs[i], C, cfg->n_head, s);
    }
  if (patch && patch->hook)
    patch->hook (patch->hook_data, segs, n_segs, s);
  linear (s->att, R, C, w->attn_proj_w, w->attn_proj_b, C, s->proj);
  if (patch && patch->site == PL_SITE_ATTN_OUT)
    memcpy (s->proj + (gsize) patch->pos * C, patch->row, sizeof (float) * C);
  if (taps)
    record_attention_taps (taps, &segs[0], s);
  add_rows (x, s->proj, (gsize) R * C);

  pl_block_mlp (model, b, x, R, s);
  if (patch && patch->site == PL_SITE_MLP_OUT)
    memcpy (s->mlp + (gsize) patch->pos * C, patch->row, sizeof (float) * C);
  if (taps && taps->mlp_out)
    copy_rows (taps->mlp_out, s->mlp + (gsize) segs[0].row * C, segs[0].pos0, segs[0].n,
               C, C, 0);
  add_rows (x, s->mlp, (gsize) R * C);
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
