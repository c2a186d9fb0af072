/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-model-check.h: the checks that keep a broken model folder or broken weights from
 * turning into silent garbage. pl_model_load calls the first two; the forward passes
 * that read logits call the third.
 *
 *   if (!pl_model_check_folder (dir, &error)) ...          // before opening any file
 *   if (!pl_model_check_weights (&cfg, &weights, &error)) ... // after mapping them
 *   if (!pl_model_check_logits (model, ids, n, logits, V, &error)) ...
 *
 * The folder check says what a folder with only pytorch_model.bin or a sharded
 * checkpoint needs, and refuses a config.json or model.safetensors that is not a
 * regular file (a FIFO would block the reader for ever, a device never ends). The
 * weights check looks at the small tensors only (biases, LayerNorm parameters, wpe:
 * about 1 % of gpt2's bytes); a NaN or infinity in the large matrices shows up in the
 * logits instead, where pl_model_check_logits finds it and names the first block whose
 * output is not finite.
 */
#pragma once

#include <glib.h>

#include "pl-model.h"
#include "pl-sweep.h"

G_BEGIN_DECLS

gboolean pl_model_check_folder  (const char      *dir,
                                 GError         **error);
gboolean pl_model_check_weights (const PlConfig  *cfg,
                                 const PlWeights *w,
                                 GError         **error);
/* logits (V) of the run on ids (n_ids): TRUE when all are finite; else a PL_ERROR_MODEL
 * that names where the first non-finite value appeared (a diagnostic forward pass). */
gboolean pl_model_check_logits  (PlModel         *model,
                                 const gint32    *ids,
                                 int              n_ids,
                                 const float     *logits,
                                 int              V,
                                 GError         **error);
/* The same diagnosis without logits at hand: always sets error. */
void     pl_model_explain_nonfinite (PlModel      *model,
                                     const gint32 *ids,
                                     int           n_ids,
                                     GError      **error);

/* metric "restored" divides by d_corr − d_clean (d = logit(corrupted answer) −
 * logit(clean answer)); clean and corrupted are each run's two answer logits. FALSE,
 * saying why, when that denominator is within float32 rounding of zero relative to
 * the logits' size: the fractions would be noise. */
gboolean pl_restored_check     (const float          clean[2],
                                const float          corrupted[2],
                                GError             **error);
/* FALSE, naming the first cell, when a sweep's matrix holds a NaN or an infinity. */
gboolean pl_sweep_check_matrix (const PlSweepResult *result,
                                GError             **error);

G_END_DECLS
