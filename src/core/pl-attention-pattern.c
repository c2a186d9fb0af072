/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-attention-pattern.c: one head's T × T attention pattern, from a capturing forward
 * pass run up to its block (queries recomputed in double, keys captured).
 */
#include "config.h"

#include "pl-attention-pattern.h"
#include "pl-capture.h"
#include "pl-error.h"

#include <string.h>

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
  if (!pl_model_check_intact (model, error))
    g_clear_pointer (&pattern, g_free);
  return pattern;
}

/* ---- the patched run's pattern ---- */

gboolean
pl_site_changes_pattern (PlSite site)
{
  return site == PL_SITE_HEAD_Q || site == PL_SITE_HEAD_K || site == PL_SITE_HEAD_PATTERN;
}

/* The patched run's keys of block l: the target's, with head h's slice taken from the
 * source at every position (position < 0) or at one. (l + 1, T, C) so that a PlCapture
 * can point at it; only block l is filled. */
static float *
mixed_keys (const PlCapture *target,
            const PlCapture *source,
            int              l,
            int              h,
            int              hs,
            gboolean         patch_k,
            int              position)
{
  gsize block = (gsize) target->T * target->C;
  float *k = g_new0 (float, block * (l + 1));

  memcpy (k + block * l, target->k + block * l, block * sizeof (float));
  for (int j = 0; patch_k && j < target->T; j++)
    if (position < 0 || j == position)
      memcpy (k + block * l + (gsize) j * target->C + h * hs,
              source->k + block * l + (gsize) j * source->C + h * hs, hs * sizeof (float));
  return k;
}

/* Row t of the patched pattern into pattern (T, T). */
static void
patched_row (PlModel         *model,
             const PlCapture *target,
             const PlCapture *source,
             const PlCapture *q_target,   /* target's stream, mixed keys */
             const PlCapture *q_source,   /* source's stream, mixed keys */
             int l, int h, int t, PlSite site, int position,
             double *row, float *pattern)
{
  gboolean here = position < 0 || position == t;
  int T = target->T;

  if (site == PL_SITE_HEAD_PATTERN)
    pl_capture_pattern_row (model, here ? source : target, l, h, t, row);
  else
    pl_capture_pattern_row (model, site == PL_SITE_HEAD_Q && here ? q_source : q_target,
                            l, h, t, row);
  for (int j = 0; j <= t; j++)
    pattern[(gsize) t * T + j] = row[j];
}

float *
pl_attention_pattern_patched (PlModel      *model,
                              const gint32 *clean_ids,
                              const gint32 *corrupted_ids,
                              int           T,
                              int           layer,
                              int           head,
                              PlSite        site,
                              PlDirection   direction,
                              int           position,
                              GCancellable *cancellable,
                              GError      **error)
{
  gboolean noise = direction == PL_DIRECTION_NOISE;
  int hs = pl_model_config (model)->n_embd / pl_model_config (model)->n_head;

  if (!pl_check_layer_head (model, layer, head, error))
    return NULL;
  if (!pl_site_changes_pattern (site))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
                   "Patching %s does not change the head's pattern: it is the unpatched run's",
                   pl_site_to_string (site));
      return NULL;
    }
  if (position >= T)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
                   "There is no position %d: the prompts have %d tokens", position, T);
      return NULL;
    }
  g_autoptr(PlCapture) target = pl_capture_run (model, noise ? clean_ids : corrupted_ids, T,
                                                PL_CAPTURE_KV, layer, cancellable, error);
  if (target == NULL)
    return NULL;
  g_autoptr(PlCapture) source = pl_capture_run (model, noise ? corrupted_ids : clean_ids, T,
                                                PL_CAPTURE_KV, layer, cancellable, error);
  if (source == NULL)
    return NULL;

  g_autofree float *keys = mixed_keys (target, source, layer, head, hs,
                                       site == PL_SITE_HEAD_K, position);
  PlCapture q_target = *target, q_source = *source;   /* shallow: only k differs */
  q_target.k = q_source.k = keys;
  float *pattern = g_new0 (float, (gsize) T * T);
  g_autofree double *row = g_new (double, T);
  for (int t = 0; t < T; t++)
    patched_row (model, target, source, &q_target, &q_source, layer, head, t, site,
                 position, row, pattern);
  if (!pl_model_check_intact (model, error))
    g_clear_pointer (&pattern, g_free);
  return pattern;
}
