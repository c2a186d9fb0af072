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
};

static const char *const site_descriptions[PL_N_SITES] = {
  [PL_SITE_RESID_POST] = "Residual stream after block",
  [PL_SITE_RESID_PRE] = "Residual stream before block",
  [PL_SITE_ATTN_OUT] = "Attention output",
  [PL_SITE_MLP_OUT] = "MLP output",
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
