/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-topk.c: the k most probable next tokens of a logits vector.
 */
#include <math.h>

#include "pl-topk.h"

double
pl_logsumexp (const float *logits, int n)
{
  float max = -INFINITY;
  double sum = 0.0;

  for (int i = 0; i < n; i++)
    max = MAX (max, logits[i]);
  for (int i = 0; i < n; i++)
    sum += exp ((double) logits[i] - max);
  return max + log (sum);
}

/* Is (la, a) ranked before (lb, b)? Higher logit first, then the smaller id. */
static inline gboolean
ranks_before (float la, int a, float lb, int b)
{
  return la > lb || (la == lb && a < b);
}

/* Keeps best[0..n) sorted by rank while scanning once: O(V k) worst case, but k is small
 * and almost every logit is rejected at the first comparison. */
static int
select_top (const float *logits, int vocab_size, int k, int *best)
{
  int n = 0;

  for (int id = 0; id < vocab_size; id++)
    {
      int at;

      if (n == k && !ranks_before (logits[id], id, logits[best[n - 1]], best[n - 1]))
        continue;
      if (n < k)
        n++;
      for (at = n - 1; at > 0 && ranks_before (logits[id], id, logits[best[at - 1]], best[at - 1]); at--)
        best[at] = best[at - 1];
      best[at] = id;
    }
  return n;
}

PlTopK *
pl_topk_from_logits (const float *logits,
                     int          vocab_size,
                     int          k,
                     PlTokenizer *tok)
{
  PlTopK *top = g_new0 (PlTopK, 1);
  g_autofree int *best = NULL;
  double lse;

  k = CLAMP (k, 0, vocab_size);
  best = g_new (int, MAX (k, 1));
  top->n = select_top (logits, vocab_size, k, best);
  top->entries = g_new0 (PlTopEntry, MAX (top->n, 1));
  lse = pl_logsumexp (logits, vocab_size);
  for (int i = 0; i < top->n; i++)
    {
      PlTopEntry *e = &top->entries[i];

      e->rank = i + 1;
      e->id = best[i];
      e->logit = logits[best[i]];
      e->prob = exp ((double) e->logit - lse);
      e->token = tok ? pl_tokenizer_piece (tok, e->id) : NULL;
      if (e->token == NULL)
        e->token = g_strdup_printf ("<%d>", e->id);
    }
  return top;
}

PlTopK *
pl_topk_copy (const PlTopK *top)
{
  PlTopK *copy;

  if (top == NULL)
    return NULL;
  copy = g_new0 (PlTopK, 1);
  copy->n = top->n;
  copy->entries = g_new0 (PlTopEntry, MAX (top->n, 1));
  for (int i = 0; i < top->n; i++)
    {
      copy->entries[i] = top->entries[i];
      copy->entries[i].token = g_strdup (top->entries[i].token);
    }
  return copy;
}

void
pl_topk_free (PlTopK *top)
{
  if (top == NULL)
    return;
  for (int i = 0; i < top->n; i++)
    g_free (top->entries[i].token);
  g_free (top->entries);
  g_free (top);
}
