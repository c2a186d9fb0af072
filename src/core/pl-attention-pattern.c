/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-attention-pattern.c: one head's T × T attention pattern, from a capturing forward
 * pass run up to its block (queries recomputed in double, keys captured).
 */
#include "config.h"

#include "pl-attention-pattern.h"
#include "pl-capture.h"
#include "pl-error.h"

gboolean
pl_check_layer_head (PlModel *model, int layer, int head, GError **error)
{
  const PlConfig *cfg = pl_model_config (model);

  if (layer < 0 || layer >= cfg->n_layer)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
                   "There is no layer %d: %s has layers 0 to %d", layer,
                   pl_model_name (model), cfg->n_layer - 1);
      return FALSE;
    }
  if (head < 0 || head >= cfg->n_head)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
                   "There is no head %d: %s has heads 0 to %d in each layer", head,
                   pl_model_name (model), cfg->n_head - 1);
      return FALSE;
    }
  return TRUE;
}

float *
pl_attention_pattern (PlModel      *model,
                      const gint32 *ids,
                      int           T,
                      int           layer,
                      int           head,
                      GCancellable *cancellable,
                      GError      **error)
{
  if (!pl_check_layer_head (model, layer, head, error))
    return NULL;
  g_autoptr(PlCapture) cap = pl_capture_run (model, ids, T, PL_CAPTURE_KV, layer,
                                             cancellable, error);
  if (cap == NULL)
    return NULL;

  float *pattern = g_new0 (float, (gsize) T * T);
  g_autofree double *row = g_new (double, T);
  for (int t = 0; t < T; t++)
    {
      pl_capture_pattern_row (model, cap, layer, head, t, row);
      for (int j = 0; j <= t; j++)
        pattern[(gsize) t * T + j] = row[j];
    }
  return pattern;
}
