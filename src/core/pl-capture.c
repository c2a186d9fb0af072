/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-capture.c: a plain forward pass keeping the residual stream at every block
 * boundary, and on request each block's keys, values and MLP output.
 *
 * Shapes: L = n_layer, T = positions, C = n_embd.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "pl-capture.h"
#include "pl-error.h"

static gboolean
check_ids (PlModel *model, const gint32 *ids, int T, GError **error)
{
  const PlConfig *cfg = pl_model_config (model);

  if (T <= 0)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_EMPTY, "There are no tokens to run");
      return FALSE;
    }
  if (T > cfg->n_positions)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_TOO_LONG,
                   "The text has %d tokens; %s reads at most %d", T,
                   pl_model_name (model), cfg->n_positions);
      return FALSE;
    }
  for (int i = 0; i < T; i++)
    if (ids[i] < 0 || ids[i] >= cfg->vocab_size)
      {
        g_set_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
                     "Token id %d is outside the vocabulary (0..%d)", ids[i],
                     cfg->vocab_size - 1);
        return FALSE;
      }
  return TRUE;
}

/* An error naming the first boundary and position where the stream stopped being
 * finite: broken weights must give an error, never NaN shown as a value. */
static gboolean
check_finite (PlModel *model, const PlCapture *cap, int n_boundaries, GError **error)
{
  for (int b = 0; b < n_boundaries; b++)
    for (int t = 0; t < cap->T; t++)
      {
        const float *x = pl_capture_resid (cap, b) + (gsize) t * cap->C;
        for (int i = 0; i < cap->C; i++)
          if (!isfinite (x[i]))
            {
              g_set_error (error, PL_ERROR, PL_ERROR_MODEL,
                           "The residual stream of %s is not a finite number %s %d, at "
                           "position %d: the weights hold NaN or infinite values, or "
                           "overflow", pl_model_name (model),
                           b < cap->L ? "entering block" : "after block",
                           b < cap->L ? b : b - 1, t);
              return FALSE;
            }
      }
  return TRUE;
}

PlCapture *
pl_capture_run (PlModel       *model,
                const gint32  *ids,
                int            T,
                PlCaptureFlags flags,
                int            last_block,
                GCancellable  *cancellable,
                GError       **error)
{
  const PlConfig *cfg = pl_model_config (model);
  int L = cfg->n_layer, C = cfg->n_embd;
  gsize TC = (gsize) T * C;
  PlSegment seg = { 0, T, 0 };

  if (!check_ids (model, ids, T, error))
    return NULL;
  if (last_block < 0 || last_block >= L)
    last_block = L - 1;

  PlCapture *cap = g_new0 (PlCapture, 1);
  cap->L = L;
  cap->T = T;
  cap->C = C;
  cap->resid = g_new0 (float, (L + 1) * TC);
  if (flags & PL_CAPTURE_KV)
    {
      cap->k = g_new0 (float, L * TC);
      cap->v = g_new0 (float, L * TC);
    }
  if (flags & PL_CAPTURE_MLP)
    cap->mlp_out = g_new0 (float, L * TC);

  /* The same calls as pl_model_last_logits, on a copy of the stream per boundary. */
  g_autofree float *x = g_new (float, TC);
  PlScratch *s = pl_scratch_new (cfg, T, T);
  pl_embed (model, ids, T, x);
  for (int b = 0; b <= last_block; b++)
    {
      PlBlockTaps taps = {
        .mlp_out = cap->mlp_out ? cap->mlp_out + b * TC : NULL,
        .k = cap->k ? cap->k + b * TC : NULL,
        .v = cap->v ? cap->v + b * TC : NULL,
      };

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          pl_scratch_free (s);
          pl_capture_free (cap);
          return NULL;
        }
      memcpy (pl_capture_resid (cap, b), x, TC * sizeof (float));
      pl_block_forward (model, b, x, &seg, 1, NULL, NULL, s, &taps, NULL);
    }
  memcpy (pl_capture_resid (cap, last_block + 1), x, TC * sizeof (float));
  pl_scratch_free (s);
  if (!check_finite (model, cap, last_block + 2, error))
    {
      pl_capture_free (cap);
      return NULL;
    }
  return cap;
}

void
pl_capture_free (PlCapture *cap)
{
  if (cap == NULL)
    return;
  g_free (cap->resid);
  g_free (cap->k);
  g_free (cap->v);
  g_free (cap->mlp_out);
  g_free (cap);
}

void
pl_capture_layernorm_row (const float *x,
                          int          C,
                          const float *w,
                          const float *b,
                          float        eps,
                          double      *out)
{
  double mean = 0.0, var = 0.0;

  for (int i = 0; i < C; i++)
    mean += x[i];
  mean /= C;
  for (int i = 0; i < C; i++)
    var += (x[i] - mean) * (x[i] - mean);
  double rstd = 1.0 / sqrt (var / C + eps);
  for (int i = 0; i < C; i++)
    out[i] = (x[i] - mean) * rstd * w[i] + b[i];
}

/* q (hs) = ln_1(x_t) · W_q[:, h·hs ..) + b_q[h·hs ..), in double. */
static void
head_query (PlModel *model, const PlCapture *cap, int l, int h, int t, double *q)
{
  const PlConfig *cfg = pl_model_config (model);
  const PlBlockWeights *w = &pl_model_weights (model)->blocks[l];
  int C = cap->C, hs = C / cfg->n_head;
  g_autofree double *ln = g_new (double, C);

  pl_capture_layernorm_row (pl_capture_resid (cap, l) + (gsize) t * C, C, w->ln_1_w,
                            w->ln_1_b, cfg->layer_norm_epsilon, ln);
  for (int d = 0; d < hs; d++)
    q[d] = w->attn_b[h * hs + d];
  for (int i = 0; i < C; i++)
    {
      const float *row = w->attn_w + (gsize) i * 3 * C + h * hs;   /* (3C) row i */
      for (int d = 0; d < hs; d++)
        q[d] += ln[i] * row[d];
    }
}

void
pl_capture_pattern_row (PlModel         *model,
                        const PlCapture *cap,
                        int              l,
                        int              h,
                        int              t,
                        double          *p)
{
  int C = cap->C, hs = C / pl_model_config (model)->n_head;
  g_autofree double *q = g_new (double, hs);
  double max = -INFINITY, sum = 0.0, scale = 1.0 / sqrt ((double) hs);

  g_assert (cap->k != NULL && l < cap->L && t < cap->T);
  head_query (model, cap, l, h, t, q);
  for (int j = 0; j <= t; j++)
    {
      const float *k = cap->k + ((gsize) l * cap->T + j) * C + h * hs;
      double dot = 0.0;

      for (int d = 0; d < hs; d++)
        dot += q[d] * k[d];
      p[j] = dot * scale;
      max = MAX (max, p[j]);
    }
  for (int j = 0; j <= t; j++)
    {
      p[j] = exp (p[j] - max);
      sum += p[j];
    }
  for (int j = 0; j <= t; j++)
    p[j] /= sum;
}
