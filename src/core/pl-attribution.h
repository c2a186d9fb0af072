/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-attribution.h: direct logit attribution: how much each component writes the
 * difference logit(B) − logit(A) at the last position straight into the output.
 *
 *   g_autoptr(PlAttribution) at = pl_attribution_run (model, ids, T, id_a, id_b,
 *                                                           NULL, &error);
 *   at->heads[layer * at->n_heads + head];   // one head's direct effect
 *
 * The final LayerNorm's scale is frozen at the value the full residual stream x has at
 * the last position (σ = √(var(x) + ε)), which makes ln_f linear, so the stream's sum
 * of components splits the logit difference exactly. Component c contributes
 *   ((c − mean(c)) / σ) · (γ ⊙ (W_U[B] − W_U[A]))
 * and the components are: the embeddings (token + position), each head's output
 * through attn.c_proj without its bias, each layer's c_proj bias, each MLP's output.
 * Their sum plus ln_f_bias = β · (W_U[B] − W_U[A]) equals logit_diff, the model's own
 * logit(B) − logit(A), within fp32 rounding (pl_attribution_total() adds them up).
 * cancellable (may be NULL) is checked between blocks (G_IO_ERROR_CANCELLED).
 */
#pragma once

#include <gio/gio.h>

#include "pl-model.h"

G_BEGIN_DECLS

typedef struct {
  int     n_layers;     /* L */
  int     n_heads;      /* H */
  int     n_positions;  /* T; attribution is at position T - 1 */
  gint32  answer_a;
  gint32  answer_b;
  double  logit_diff;   /* the model's logit(B) − logit(A) */
  double  embed;
  double *heads;        /* (L, H) */
  double *attn_bias;    /* (L) */
  double *mlp;          /* (L) */
  double  ln_f_bias;
} PlAttribution;

PlAttribution *pl_attribution_run   (PlModel      *model,
                                     const gint32 *ids,
                                     int           T,
                                     gint32        answer_a,
                                     gint32        answer_b,
                                     GCancellable *cancellable,
                                     GError      **error);
void           pl_attribution_free  (PlAttribution *at);
/* Every component plus ln_f_bias: equals logit_diff within rounding. */
double         pl_attribution_total (const PlAttribution *at);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlAttribution, pl_attribution_free)

G_END_DECLS
