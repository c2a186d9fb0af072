/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-attribution.c: direct logit attribution at the last position. One capturing
 * forward pass (keys, values, MLP outputs); each head's output is then recomputed in
 * double at the last position only: its pattern row, z = pattern · v, and z through
 * its rows of attn.c_proj.
 *
 * Shapes: L = n_layer, H = n_head, hs = C / H, T = positions, C = n_embd.
 */
#include "config.h"

#include <math.h>

#include "pl-attribution.h"
#include "pl-capture.h"
#include "pl-error.h"

/* What ln_f, with its scale frozen, makes of one component. */
typedef struct {
  int     C;
  double  sigma;   /* √(var(x) + ε) of the full stream x */
  double *dir;     /* (C) γ ⊙ (W_U[B] − W_U[A]) */
} Readout;

/* ((c − mean(c)) / σ) · dir */
static double
readout (const Readout *r, const double *c)
{
  double mean = 0.0, dot = 0.0;

  for (int i = 0; i < r->C; i++)
    mean += c[i];
  mean /= r->C;
  for (int i = 0; i < r->C; i++)
    dot += (c[i] - mean) * r->dir[i];
  return dot / r->sigma;
}

static double
readout_float (const Readout *r, const float *c, double *tmp)
{
  for (int i = 0; i < r->C; i++)
    tmp[i] = c[i];
  return readout (r, tmp);
}

static void
readout_init (Readout *r, PlModel *model, const float *x, gint32 a, gint32 b)
{
  const PlConfig *cfg = pl_model_config (model);
  const PlWeights *w = pl_model_weights (model);
  int C = cfg->n_embd;
  double mean = 0.0, var = 0.0;

  for (int i = 0; i < C; i++)
    mean += x[i];
  mean /= C;
  for (int i = 0; i < C; i++)
    var += (x[i] - mean) * (x[i] - mean);
  r->C = C;
  r->sigma = sqrt (var / C + cfg->layer_norm_epsilon);
  r->dir = g_new (double, C);
  for (int i = 0; i < C; i++)
    r->dir[i] = (double) w->ln_f_w[i]
                * ((double) w->wte[(gsize) b * C + i] - w->wte[(gsize) a * C + i]);
}

/* out (C) = head h of block l at the last position, through c_proj without bias. */
static void
head_output (PlModel *model, const PlCapture *cap, int l, int h, double *p /* (T) */,
             double *z /* (hs) */, double *out)
{
  const PlBlockWeights *w = &pl_model_weights (model)->blocks[l];
  int C = cap->C, T = cap->T, hs = C / pl_model_config (model)->n_head;

  pl_capture_pattern_row (model, cap, l, h, T - 1, p);
  for (int d = 0; d < hs; d++)
    z[d] = 0.0;
  for (int j = 0; j < T; j++)
    {
      const float *v = cap->v + ((gsize) l * T + j) * C + h * hs;
      for (int d = 0; d < hs; d++)
        z[d] += p[j] * v[d];
    }
  for (int i = 0; i < C; i++)
    out[i] = 0.0;
  for (int d = 0; d < hs; d++)
    {
      const float *row = w->attn_proj_w + (gsize) (h * hs + d) * C;   /* (C) */
      for (int i = 0; i < C; i++)
        out[i] += z[d] * row[i];
    }
}

static PlAttribution *
attribution_new (const PlConfig *cfg, int T, gint32 a, gint32 b)
{
  PlAttribution *at = g_new0 (PlAttribution, 1);

  at->n_layers = cfg->n_layer;
  at->n_heads = cfg->n_head;
  at->n_positions = T;
  at->answer_a = a;
  at->answer_b = b;
  at->heads = g_new0 (double, (gsize) cfg->n_layer * cfg->n_head);
  at->attn_bias = g_new0 (double, cfg->n_layer);
  at->mlp = g_new0 (double, cfg->n_layer);
  return at;
}

/* The model's own logit(B) − logit(A), through ln_f and the unembedding as it runs. */
static double
model_logit_diff (PlModel *model, const float *x, gint32 a, gint32 b)
{
  const PlConfig *cfg = pl_model_config (model);
  g_autofree float *h = g_new (float, cfg->n_embd);
  g_autofree float *logits = g_new (float, cfg->vocab_size);

  pl_final_norm (model, x, h);
  pl_lm_head (model, h, logits);
  return (double) logits[b] - logits[a];
}

static void
attribute_layers (PlAttribution *at, PlModel *model, const PlCapture *cap,
                  const Readout *r)
{
  int C = cap->C, T = cap->T, hs = C / at->n_heads;
  g_autofree double *p = g_new (double, T);
  g_autofree double *z = g_new (double, hs);
  g_autofree double *c = g_new (double, C);

  for (int l = 0; l < at->n_layers; l++)
    {
      const PlBlockWeights *w = &pl_model_weights (model)->blocks[l];

      for (int h = 0; h < at->n_heads; h++)
        {
          head_output (model, cap, l, h, p, z, c);
          at->heads[l * at->n_heads + h] = readout (r, c);
        }
      at->attn_bias[l] = readout_float (r, w->attn_proj_b, c);
      at->mlp[l] = readout_float (r, cap->mlp_out + ((gsize) l * T + T - 1) * C, c);
    }
}

PlAttribution *
pl_attribution_run (PlModel      *model,
                    const gint32 *ids,
                    int           T,
                    gint32        answer_a,
                    gint32        answer_b,
                    GCancellable *cancellable,
                    GError      **error)
{
  const PlConfig *cfg = pl_model_config (model);
  const PlWeights *w = pl_model_weights (model);
  int C = cfg->n_embd;

  for (int i = 0; i < 2; i++)
    {
      gint32 id = i == 0 ? answer_a : answer_b;
      if (id < 0 || id >= cfg->vocab_size)
        {
          g_set_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
                       "Answer token id %d is outside the vocabulary (0..%d)", id,
                       cfg->vocab_size - 1);
          return NULL;
        }
    }
  g_autoptr(PlCapture) cap = pl_capture_run (model, ids, T,
                                             PL_CAPTURE_KV | PL_CAPTURE_MLP, -1,
                                             cancellable, error);
  if (cap == NULL)
    return NULL;

  const float *x = pl_capture_resid (cap, cfg->n_layer) + (gsize) (T - 1) * C;
  PlAttribution *at = attribution_new (cfg, T, answer_a, answer_b);
  Readout r;
  g_autofree double *c = g_new (double, C);

  readout_init (&r, model, x, answer_a, answer_b);
  at->logit_diff = model_logit_diff (model, x, answer_a, answer_b);
  for (int i = 0; i < C; i++)
    c[i] = (double) w->wte[(gsize) ids[T - 1] * C + i] + w->wpe[(gsize) (T - 1) * C + i];
  at->embed = readout (&r, c);
  attribute_layers (at, model, cap, &r);
  for (int i = 0; i < C; i++)
    at->ln_f_bias += (double) w->ln_f_b[i]
                     * ((double) w->wte[(gsize) answer_b * C + i] - w->wte[(gsize) answer_a * C + i]);
  g_free (r.dir);
  if (!pl_model_check_intact (model, error))
    g_clear_pointer (&at, pl_attribution_free);
  return at;
}

double
pl_attribution_total (const PlAttribution *at)
{
  double sum = at->embed + at->ln_f_bias;

  for (int l = 0; l < at->n_layers; l++)
    {
      for (int h = 0; h < at->n_heads; h++)
        sum += at->heads[l * at->n_heads + h];
      sum += at->attn_bias[l] + at->mlp[l];
    }
  return sum;
}

void
pl_attribution_free (PlAttribution *at)
{
  if (at == NULL)
    return;
  g_free (at->heads);
  g_free (at->attn_bias);
  g_free (at->mlp);
  g_free (at);
}
