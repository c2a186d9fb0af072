/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-lens.c: the logit lens. One capturing forward pass keeps the stream at each block
 * boundary; then every (boundary, position) row goes through ln_f and the unembedding,
 * CHUNK rows per matrix product so the logits never need more than CHUNK × V floats.
 *
 * Shapes: L = n_layer, T = positions, C = n_embd, V = vocab_size.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "pl-capture.h"
#include "pl-error.h"
#include "pl-lens.h"
#include "pl-topk.h"

#define CHUNK 64

/* The most probable id of logits (V), ties to the smaller id. */
static gint32
argmax (const float *logits, int V)
{
  gint32 best = 0;

  for (int i = 1; i < V; i++)
    if (logits[i] > logits[best])
      best = i;
  return best;
}

/* Fills cell i = b * T + t of the lens from that row's logits (V). */
static void
read_row (PlLens *lens, int b, int t, const float *logits, int V)
{
  gsize i = (gsize) b * lens->n_positions + t;
  double lse = pl_logsumexp (logits, V);
  gint32 top = argmax (logits, V);

  lens->top_id[i] = top;
  lens->top_prob[i] = exp ((double) logits[top] - lse);
  for (int a = 0; a < lens->n_answers; a++)
    {
      gsize j = pl_lens_answer_index (lens, a, b, t);
      float z = logits[lens->answer_ids[a]];

      lens->answer_logit[j] = z;
      lens->answer_prob[j] = exp ((double) z - lse);
    }
}

/* Rows [r0, r0 + n) of the (L + 1) × T stream: ln_f, then one product with wte. */
static void
lens_chunk (PlModel *model, PlLens *lens, const PlCapture *cap, int r0, int n,
            float *h /* (CHUNK, C) */, float *logits /* (CHUNK, V) */)
{
  int C = cap->C, T = cap->T, V = pl_model_config (model)->vocab_size;

  for (int i = 0; i < n; i++)
    pl_final_norm (model, cap->resid + (gsize) (r0 + i) * C, h + (gsize) i * C);
  pl_lm_head_rows (model, h, n, logits);
  for (int i = 0; i < n; i++)
    read_row (lens, (r0 + i) / T, (r0 + i) % T, logits + (gsize) i * V, V);
}

static PlLens *
lens_new (int L, int T, const gint32 *ids, const gint32 *answer_ids, int n_answers)
{
  PlLens *lens = g_new0 (PlLens, 1);
  gsize cells = (gsize) (L + 1) * T;

  lens->n_layers = L;
  lens->n_positions = T;
  lens->n_answers = n_answers;
  lens->ids = g_memdup2 (ids, sizeof (gint32) * T);
  lens->top_id = g_new0 (gint32, cells);
  lens->top_prob = g_new0 (double, cells);
  lens->answer_ids = g_new0 (gint32, MAX (n_answers, 1));
  if (n_answers > 0)
    memcpy (lens->answer_ids, answer_ids, sizeof (gint32) * n_answers);
  lens->answer_logit = g_new0 (float, MAX (cells * n_answers, 1));
  lens->answer_prob = g_new0 (double, MAX (cells * n_answers, 1));
  return lens;
}

PlLens *
pl_lens_run (PlModel      *model,
             const gint32 *ids,
             int           n_ids,
             const gint32 *answer_ids,
             int           n_answers,
             GCancellable *cancellable,
             GError      **error)
{
  const PlConfig *cfg = pl_model_config (model);
  int L = cfg->n_layer, C = cfg->n_embd, V = cfg->vocab_size, T = n_ids;

  g_return_val_if_fail (n_answers >= 0 && (n_answers == 0 || answer_ids != NULL), NULL);
  for (int a = 0; a < n_answers; a++)
    if (answer_ids[a] < 0 || answer_ids[a] >= V)
      {
        g_set_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
                     "Answer token id %d is outside the vocabulary (0..%d)",
                     answer_ids[a], V - 1);
        return NULL;
      }
  g_autoptr(PlCapture) cap = pl_capture_run (model, ids, T, PL_CAPTURE_RESID, -1,
                                             cancellable, error);
  if (cap == NULL)
    return NULL;

  PlLens *lens = lens_new (L, T, ids, answer_ids, n_answers);
  int rows = (L + 1) * T;
  g_autofree float *h = g_new (float, (gsize) CHUNK * C);
  g_autofree float *logits = g_new (float, (gsize) CHUNK * V);

  for (int r0 = 0; r0 < rows; r0 += CHUNK)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          pl_lens_free (lens);
          return NULL;
        }
      lens_chunk (model, lens, cap, r0, MIN (CHUNK, rows - r0), h, logits);
    }

  /* The model's output cell, exactly as pl_model_last_logits computes it. */
  pl_final_norm (model, pl_capture_resid (cap, L) + (gsize) (T - 1) * C, h);
  pl_lm_head (model, h, logits);
  read_row (lens, L, T - 1, logits, V);
  if (!pl_model_check_intact (model, error))
    g_clear_pointer (&lens, pl_lens_free);
  return lens;
}

void
pl_lens_free (PlLens *lens)
{
  if (lens == NULL)
    return;
  g_free (lens->ids);
  g_free (lens->top_id);
  g_free (lens->top_prob);
  g_free (lens->answer_ids);
  g_free (lens->answer_logit);
  g_free (lens->answer_prob);
  g_free (lens);
}
