/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-topk.h: the k most probable next tokens from a logits vector.
 *
 *   g_autoptr(PlTopK) top = pl_topk_from_logits (logits, V, 20, tok);
 *   for (int i = 0; i < top->n; i++)
 *     printf ("%d %d %s %.4f\n", top->entries[i].rank, top->entries[i].id,
 *             top->entries[i].token, top->entries[i].prob);
 *
 * Probabilities are a softmax over all V logits computed in double precision
 * (max-subtracted), ties broken by the smaller id.
 */
#pragma once

#include <glib.h>

#include "pl-tokenizer.h"

G_BEGIN_DECLS

typedef struct {
  int     rank;    /* 1-based */
  gint32  id;
  char   *token;   /* pl_tokenizer_piece() */
  double  prob;
  float   logit;
} PlTopEntry;

typedef struct {
  PlTopEntry *entries;
  int         n;
} PlTopK;

PlTopK *pl_topk_from_logits (const float *logits,
                             int          vocab_size,
                             int          k,
                             PlTokenizer *tok);
PlTopK *pl_topk_copy        (const PlTopK *top);
void    pl_topk_free        (PlTopK      *top);
/* log(sum(exp(logits))) in double precision, for probabilities of single tokens. */
double  pl_logsumexp        (const float *logits,
                             int          n);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlTopK, pl_topk_free)

G_END_DECLS
