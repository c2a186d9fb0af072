/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-forward.c: GPT-2's layers. Every step is split over the one pool of threads
 * (pl-parallel.h): matrix products by columns (OpenBLAS single-threaded in each part),
 * attention by (segment, head), LayerNorm by rows, GELU by ranges.
 *
 * Shapes: C = n_embd, H = n_head, hs = C / H, R = rows in a batch, T = positions.
 */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "pl-forward.h"
#include "pl-gelu.h"
#include "pl-parallel.h"

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
  s->n_kv = pl_parallel_n_threads ();
  s->kv = g_new0 (PlAttnHead, s->n_kv);
  for (int i = 0; i < s->n_kv; i++)
    pl_attn_head_init (&s->kv[i], n_ctx, cfg->n_embd / cfg->n_head);
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
  for (int i = 0; i < s->n_kv; i++)
    pl_attn_head_clear (&s->kv[i]);
  g_free (s->kv);
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
layernorm_rows (const float *x, int r0, int r1, int C, const float *w, const float *b,
                float eps, float *out)
{
  for (int r = r0; r < r1; r++)
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

/* LayerNorm of R rows, split by rows. */
typedef struct {
  const float *x, *w, *b;
  float       *out;
  int          R, C, rows;   /* rows per part */
  float        eps;
} LayerNorm;

static void
layernorm_part (int part, int worker, gpointer data)
{
  const LayerNorm *ln = data;
  int r0 = part * ln->rows;

  layernorm_rows (ln->x, r0, MIN (r0 + ln->rows, ln->R), ln->C, ln->w, ln->b, ln->eps,
                  ln->out);
}

static void
layernorm (const float *x, int R, int C, const float *w, const float *b, float eps,
           float *out)
{
  int parts = R >= 8 ? pl_parallel_n_threads () : 1;
  LayerNorm ln = { x, w, b, out, R, C, (R + parts - 1) / parts, eps };

  pl_parallel_for ((R + ln.rows - 1) / ln.rows, layernorm_part, &ln);
}

typedef struct {
  float *x;
  gsize  n, per_part;
} Gelu;

static void
gelu_part (int part, int worker, gpointer data)
{
  const Gelu *g = data;
  gsize i0 = part * g->per_part;

  pl_gelu (g->x + i0, MIN (g->per_part, g->n - i0));
}

/* x (n) = gelu (x), split in ranges of whole cache lines */
static void
gelu (float *x, gsize n)
{
  int parts = n >= (1 << 15) ? pl_parallel_n_threads () : 1;
  Gelu g = { x, n, ((n + parts - 1) / parts + 15) / 16 * 16 };

  pl_parallel_for ((n + g.per_part - 1) / g.per_part, gelu_part, &g);
}

/* out (R, N) = x (R, K) · W (K, N) + bias (N) */
static void
linear (const float *x, int R, int K, const float *W, const float *bias, int N, float *out)
{
  for (int r = 0; r < R; r++)
    memcpy (out + (gsize) r * N, bias, sizeof (float) * N);
  pl_sgemm (R, N, K, x, K, W, N, out, N);
}

/* Attention of n_segs segments, one part per (segment, head), each worker with its own
 * keys and values. last_only: only each segment's last query, into att row i (compact). */
typedef struct {
  const PlSegment *segs;
  const float     *prefix_k, *prefix_v;
  PlScratch       *s;
  float           *att;
  int              C, H;
  gboolean         last_only;
} Attend;

static void
attend_part (int part, int worker, gpointer data)
{
  const Attend *a = data;
  const PlSegment *g = &a->segs[part / a->H];
  int h = part % a->H, C = a->C, hs = C / a->H;
  const float *qkv = a->s->qkv + (gsize) g->row * 3 * C;
  PlAttnHead *kv = &a->s->kv[worker];

  g_assert (worker < a->s->n_kv);
  pl_attn_head_gather (kv, qkv, 3 * (gsize) C, C, h, g->pos0, g->n,
                       g->prefix_k ? g->prefix_k : a->prefix_k,
                       g->prefix_v ? g->prefix_v : a->prefix_v);
  if (a->last_only)
    pl_attention_head (kv, qkv + (gsize) (g->n - 1) * 3 * C + h * hs, 0, g->pos0 + g->n - 1,
                       1, NULL, 0, a->att + (gsize) (part / a->H) * C + h * hs, 0);
  else
    pl_attention_head (kv, qkv + h * hs, 3 * (gsize) C, g->pos0, g->n, NULL, 0,
                       a->att + (gsize) g->row * C + h * hs, C);
}

static void
attend (const PlSegment *segs, int n_segs, const float *prefix_k, const float *prefix_v,
        PlScratch *s, int C, int H, gboolean last_only, float *att)
{
  Attend a = { segs, prefix_k, prefix_v, s, att, C, H, last_only };

  pl_parallel_for (n_segs * H, attend_part, &a);
}

static void
copy_rows (float *dst, const float *src, int pos0, int n, int C, int stride, int offset)
{
  for (int i = 0; i < n; i++)
    memcpy (dst + (gsize) (pos0 + i) * C, src + (gsize) i * stride + offset,
            sizeof (float) * C);
}

/* Stores a segment's keys and values (pos0 = 0) for later patching. Before attention,
 * so that other segments of the same batch may read them as their prefix. */
static void
record_kv_taps (const PlBlockTaps *taps, const PlSegment *seg, const PlScratch *s)
{
  int C = s->C;

  if (taps->k)
    copy_rows (taps->k, s->qkv + (gsize) seg->row * 3 * C, seg->pos0, seg->n, C, 3 * C, C);
  if (taps->v)
    copy_rows (taps->v, s->qkv + (gsize) seg->row * 3 * C, seg->pos0, seg->n, C, 3 * C, 2 * C);
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
  gelu (s->fc, (gsize) n_rows * 4 * C);
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
  for (int i = 0; taps && i < n_segs; i++)
    record_kv_taps (&taps[i], &segs[i], s);
  attend (segs, n_segs, prefix_k, prefix_v, s, C, cfg->n_head, FALSE, s->att);
  if (patch && patch->hook)
    patch->hook (patch->hook_data, segs, n_segs, s);
  linear (s->att, R, C, w->attn_proj_w, w->attn_proj_b, C, s->proj);
  if (patch && patch->site == PL_SITE_ATTN_OUT)
    memcpy (s->proj + (gsize) patch->pos * C, patch->row, sizeof (float) * C);
  for (int i = 0; taps && i < n_segs; i++)
    if (taps[i].attn_out)
      copy_rows (taps[i].attn_out, s->proj + (gsize) segs[i].row * C, segs[i].pos0,
                 segs[i].n, C, C, 0);
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
  pl_sgemm (R, 2 * C, C, s->ln, C, w->attn_w + C, 3 * C, s->qkv + C, 3 * C);
  for (int i = 0; i < n_segs; i++)
    {
      memcpy (lnc + (gsize) i * C, s->ln + (gsize) (segs[i].row + segs[i].n - 1) * C,
              sizeof (float) * C);
      memcpy (q + (gsize) i * C, w->attn_b, sizeof (float) * C);
    }
  pl_sgemm (n_segs, C, C, lnc, C, w->attn_w, 3 * C, q, C);
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
  int C = cfg->n_embd, H = cfg->n_head;
  int R = segs[n_segs - 1].row + segs[n_segs - 1].n;
  float *xc = s->att;   /* (n_segs, C): the last rows, compact; att is free by then */

  g_assert (R <= s->max_rows && n_segs <= s->max_rows);
  layernorm (x, R, C, w->ln_1_w, w->ln_1_b, cfg->layer_norm_epsilon, s->ln);
  last_rows_qkv (w, segs, n_segs, R, C, s, s->proj, s->mlp);
  attend (segs, n_segs, prefix_k, prefix_v, s, C, H, TRUE, s->ln);   /* (n_segs, C) */
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

  layernorm_rows (x, 0, 1, cfg->n_embd, w->ln_f_w, w->ln_f_b, cfg->layer_norm_epsilon, out);
}

typedef struct {
  const float *wte, *h;
  float       *logits;
  int          V, C, rows;   /* vocabulary rows per part */
} LmHead;

static void
lm_head_part (int part, int worker, gpointer data)
{
  const LmHead *m = data;
  int v0 = part * m->rows, n = MIN (m->rows, m->V - v0);

  cblas_sgemv (CblasRowMajor, CblasNoTrans, n, m->C, 1.0f, m->wte + (gsize) v0 * m->C, m->C,
               m->h, 1, 0.0f, m->logits + v0, 1);
}

void
pl_lm_head (const PlModel *model, const float *h, float *logits)
{
  const PlConfig *cfg = pl_model_config ((PlModel *) model);
  int parts = pl_parallel_n_threads ();
  LmHead m = { pl_model_weights ((PlModel *) model)->wte, h, logits, cfg->vocab_size,
               cfg->n_embd, (cfg->vocab_size + parts - 1) / parts };

  pl_parallel_for ((m.V + m.rows - 1) / m.rows, lm_head_part, &m);
}

void
pl_lm_head_rows (const PlModel *model, const float *h, int n, float *logits)
{
  const PlConfig *cfg = pl_model_config ((PlModel *) model);

  pl_sgemm_bt (n, cfg->vocab_size, cfg->n_embd, h, pl_model_weights ((PlModel *) model)->wte,
               logits);
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
