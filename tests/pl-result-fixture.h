/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-result-fixture.h: a PlSweepResult built by hand (no model needed) for the tests of
 * the heatmap, the result files and the experiment files.
 *
 *   g_autoptr(PlSweepResult) r = pl_fixture_result (12, MICHELLE_CLEAN, MICHELLE_CORRUPT,
 *                                                   " Jones", " Smith");
 *
 * The matrix is a smooth deterministic pattern with both signs; the top-k tables come
 * from made-up logits through pl_topk_from_logits.
 */
#pragma once

#include <math.h>
#include <glib.h>

#include "pl-inputs.h"
#include "pl-sweep.h"
#include "pl-tokenizer.h"
#include "pl-topk.h"

#define MICHELLE_CLEAN "Michelle Jones was a top-notch student. Michelle"
#define MICHELLE_CORRUPT "Michelle Smith was a top-notch student. Michelle"

static inline PlTokenizer *
pl_fixture_tokenizer (void)
{
  static PlTokenizer *tok;
  g_autoptr(GError) error = NULL;

  if (tok == NULL)
    {
      tok = pl_tokenizer_new_default (&error);
      g_assert_no_error (error);
    }
  return tok;
}

static inline PlSweepResult *
pl_fixture_result (int         n_layers,
                   const char *clean,
                   const char *corrupted,
                   const char *clean_answer,
                   const char *corrupted_answer)
{
  g_autoptr(GError) error = NULL;
  PlTokenizer *tok = pl_fixture_tokenizer ();
  PlSweepResult *r = g_new0 (PlSweepResult, 1);
  int V = pl_tokenizer_vocab_size (tok);
  g_autofree float *logits = g_new (float, V);   /* (V) */

  r->inputs = pl_inputs_prepare (tok, 1024, clean, corrupted, clean_answer,
                                 corrupted_answer, &error);
  g_assert_no_error (error);
  r->model_name = g_strdup ("gpt2");
  r->site = PL_SITE_RESID_POST;
  r->metric = PL_METRIC_LOGIT_DIFF;
  r->n_layers = n_layers;
  r->n_positions = r->inputs->clean.n_tokens;
  r->n_embd = 768;
  for (int i = 0; i < V; i++)
    logits[i] = (float) (3.0 * sin (i * 0.37) + 0.001 * i);
  r->clean_topk = pl_topk_from_logits (logits, V, 5, tok);
  logits[4176] += 10;
  r->corrupted_topk = pl_topk_from_logits (logits, V, 5, tok);
  r->clean_logits[0] = -31.25f, r->clean_logits[1] = -34.5f;
  r->corrupted_logits[0] = -35.125f, r->corrupted_logits[1] = -30.0625f;
  r->clean_value = r->clean_logits[1] - r->clean_logits[0];
  r->corrupted_value = r->corrupted_logits[1] - r->corrupted_logits[0];
  r->matrix = g_new (float, (gsize) n_layers * r->n_positions);   /* (L, T) */
  for (int l = 0; l < n_layers; l++)
    for (int p = 0; p < r->n_positions; p++)
      r->matrix[l * r->n_positions + p] =
        (float) (4.5 * cos (0.5 * p) * (1.0 - (double) l / n_layers) + 0.1 * l - 0.3);
  r->seconds = 0.21;
  return r;
}
