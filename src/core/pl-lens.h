/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-lens.h: the logit lens: the residual stream at every block boundary read through
 * the final LayerNorm and the unembedding, as if the model stopped there.
 *
 *   gint32 answers[] = { 5437 };                          // " Jones"
 *   g_autoptr(PlLens) lens = pl_lens_run (model, ids, T, answers, 1, NULL,
 *                                             &error);
 *   int i = b * lens->n_positions + t;                    // b = 0..L, t = 0..T-1
 *   lens->top_id[i], lens->top_prob[i];                   // most probable next token
 *   lens->answer_prob[(a * (lens->n_layers + 1) + b) * lens->n_positions + t];
 *
 * Row b is the stream entering block b (b = 0: the embeddings), row L the model's
 * output. Probabilities are a softmax over the whole vocabulary in double precision,
 * ties broken by the smaller id (as pl-topk.h). Row L at the last position is computed
 * with exactly the calls of pl_model_last_logits(), so it is bitwise the model's own
 * next-token prediction; the other cells go through one matrix product per chunk of
 * rows and agree with it within fp32 rounding.
 */
#pragma once

#include <gio/gio.h>

#include "pl-model.h"

G_BEGIN_DECLS

typedef struct {
  int      n_layers;       /* L; there are L + 1 rows */
  int      n_positions;    /* T */
  int      n_answers;
  gint32  *ids;            /* (T) the prompt */
  gint32  *top_id;         /* (L + 1, T) */
  double  *top_prob;       /* (L + 1, T) */
  gint32  *answer_ids;     /* (n_answers) */
  float   *answer_logit;   /* (n_answers, L + 1, T) */
  double  *answer_prob;    /* (n_answers, L + 1, T) */
} PlLens;

/* ids must be 1..n_positions valid token ids, answer_ids valid ids (n_answers may
 * be 0). Errors are PL_ERROR_* messages for the user. Blocks: run it on a worker
 * thread in an app; cancellable (may be NULL) is checked between blocks and between
 * chunks of rows (G_IO_ERROR_CANCELLED). */
PlLens *pl_lens_run  (PlModel      *model,
                      const gint32 *ids,
                      int           n_ids,
                      const gint32 *answer_ids,
                      int           n_answers,
                      GCancellable *cancellable,
                      GError      **error);
void    pl_lens_free (PlLens       *lens);

/* Index of cell (b, t) of answer a in answer_logit / answer_prob. */
static inline gsize
pl_lens_answer_index (const PlLens *lens, int a, int b, int t)
{
  return ((gsize) a * (lens->n_layers + 1) + b) * lens->n_positions + t;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlLens, pl_lens_free)

G_END_DECLS
