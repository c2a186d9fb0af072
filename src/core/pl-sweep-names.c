/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-sweep-names.c: the names of patching sites and metrics, as the CLI, the JSON files
 * and the app spell them.
 */
#include "pl-sweep.h"

static const char *const site_names[PL_N_SITES] = {
  [PL_SITE_RESID_POST] = "resid_post",
  [PL_SITE_RESID_PRE] = "resid_pre",
  [PL_SITE_ATTN_OUT] = "attn_out",
  [PL_SITE_MLP_OUT] = "mlp_out",
  [PL_SITE_HEAD_OUT] = "head_out",
  [PL_SITE_HEAD_Q] = "head_q",
  [PL_SITE_HEAD_K] = "head_k",
  [PL_SITE_HEAD_V] = "head_v",
  [PL_SITE_HEAD_PATTERN] = "head_pattern",
};

static const char *const site_descriptions[PL_N_SITES] = {
  [PL_SITE_RESID_POST] = "Residual stream after block",
  [PL_SITE_RESID_PRE] = "Residual stream before block",
  [PL_SITE_ATTN_OUT] = "Attention output",
  [PL_SITE_MLP_OUT] = "MLP output",
  [PL_SITE_HEAD_OUT] = "Attention head output (z)",
  [PL_SITE_HEAD_Q] = "Attention head queries",
  [PL_SITE_HEAD_K] = "Attention head keys",
  [PL_SITE_HEAD_V] = "Attention head values",
  [PL_SITE_HEAD_PATTERN] = "Attention head pattern",
};

static const char *const direction_names[PL_N_DIRECTIONS] = {
  [PL_DIRECTION_DENOISE] = "denoise",
  [PL_DIRECTION_NOISE] = "noise",
};

static const char *const direction_descriptions[PL_N_DIRECTIONS] = {
  [PL_DIRECTION_DENOISE] = "Denoising: is this component sufficient to bring the clean "
                           "behaviour back?",
  [PL_DIRECTION_NOISE] = "Noising: is this component necessary for the clean behaviour?",
};

static const char *const metric_names[PL_N_METRICS] = {
  [PL_METRIC_LOGIT_DIFF] = "logit-diff",
  [PL_METRIC_LOGIT_DELTA] = "logit-delta",
  [PL_METRIC_PROB_DIFF] = "prob-diff",
  [PL_METRIC_RESTORED] = "restored",
};

const char *
pl_site_to_string (PlSite site)
{
  g_return_val_if_fail ((guint) site < PL_N_SITES, NULL);
  return site_names[site];
}

const char *
pl_site_describe (PlSite site)
{
  g_return_val_if_fail ((guint) site < PL_N_SITES, NULL);
  return site_descriptions[site];
}

gboolean
pl_site_from_string (const char *s, PlSite *site)
{
  for (guint i = 0; s != NULL && i < PL_N_SITES; i++)
    if (g_str_equal (s, site_names[i]))
      {
        *site = (PlSite) i;
        return TRUE;
      }
  return FALSE;
}

gboolean
pl_site_is_head (PlSite site)
{
  return site >= PL_SITE_HEAD_OUT && site < PL_N_SITES;
}

const char *
pl_direction_to_string (PlDirection direction)
{
  g_return_val_if_fail ((guint) direction < PL_N_DIRECTIONS, NULL);
  return direction_names[direction];
}

const char *
pl_direction_describe (PlDirection direction)
{
  g_return_val_if_fail ((guint) direction < PL_N_DIRECTIONS, NULL);
  return direction_descriptions[direction];
}

gboolean
pl_direction_from_string (const char *s, PlDirection *direction)
{
  for (guint i = 0; s != NULL && i < PL_N_DIRECTIONS; i++)
    if (g_str_equal (s, direction_names[i]))
      {
        *direction = (PlDirection) i;
        return TRUE;
      }
  return FALSE;
}

const char *
pl_metric_to_string (PlMetric metric)
{
  g_return_val_if_fail ((guint) metric < PL_N_METRICS, NULL);
  return metric_names[metric];
}

gboolean
pl_metric_from_string (const char *s, PlMetric *metric)
{
  for (guint i = 0; s != NULL && i < PL_N_METRICS; i++)
    if (g_str_equal (s, metric_names[i]))
      {
        *metric = (PlMetric) i;
        return TRUE;
      }
  return FALSE;
}

char *
pl_metric_describe (PlMetric    metric,
                    const char *clean_answer,
                    const char *corrupted_answer)
{
  const char *a = clean_answer ? clean_answer : "clean";
  const char *b = corrupted_answer ? corrupted_answer : "corrupted";

  switch (metric)
    {
    case PL_METRIC_LOGIT_DIFF:
      return g_strdup_printf ("logit(%s) − logit(%s)", b, a);
    case PL_METRIC_LOGIT_DELTA:
      return g_strdup_printf ("patched − clean logit(%s)", a);
    case PL_METRIC_PROB_DIFF:
      return g_strdup_printf ("p(%s) − p(%s)", b, a);
    case PL_METRIC_RESTORED:
      return g_strdup ("fraction of logit difference restored");
    default:
      g_return_val_if_reached (NULL);
    }
}

char *
pl_metric_describe_in (PlMetric    metric,
                       PlDirection direction,
                       const char *clean_answer,
                       const char *corrupted_answer)
{
  if (metric == PL_METRIC_RESTORED && direction == PL_DIRECTION_NOISE)
    return g_strdup ("fraction of the clean → corrupted change reproduced");
  return pl_metric_describe (metric, clean_answer, corrupted_answer);
}
