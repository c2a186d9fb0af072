/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-capture.h: one plain forward pass that keeps the activations the logit lens,
 * direct logit attribution and attention patterns read. Internal to the core library.
 *
 *   PlCapture *cap = pl_capture_run (model, ids, T, PL_CAPTURE_KV, -1, &error);
 *   const float *x = pl_capture_resid (cap, b);   // (T, C) stream entering block b
 *   pl_capture_free (cap);
 *
 * The pass is the one pl_model_last_logits() runs (same calls, same order), so the
 * stream at b = L is bitwise the model's own final residual stream.
 */
#pragma once

#include <gio/gio.h>

#include "pl-forward.h"

G_BEGIN_DECLS

typedef enum {
  PL_CAPTURE_RESID = 0,        /* the residual stream is always kept */
  PL_CAPTURE_KV    = 1 << 0,   /* each block's keys and values */
  PL_CAPTURE_MLP   = 1 << 1,   /* each block's MLP output */
} PlCaptureFlags;

typedef struct {
  int    L, T, C;
  float *resid;     /* (L + 1, T, C): row b enters block b; b = L is the output */
  float *k, *v;     /* (L, T, C) or NULL: c_attn's keys and values, bias included */
  float *mlp_out;   /* (L, T, C) or NULL */
} PlCapture;

/* Checks ids (count within 1..n_positions, each in the vocabulary) and runs blocks
 * 0..last_block (-1: all, and then the stream at b = L too). A stream that is not
 * finite anywhere is a PL_ERROR_MODEL naming where; cancellable (may be NULL) is
 * checked before each block (G_IO_ERROR_CANCELLED). */
PlCapture *pl_capture_run  (PlModel       *model,
                            const gint32  *ids,
                            int            T,
                            PlCaptureFlags flags,
                            int            last_block,
                            GCancellable  *cancellable,
                            GError       **error);
void       pl_capture_free (PlCapture     *cap);

static inline float *
pl_capture_resid (const PlCapture *cap, int b)
{
  return cap->resid + (gsize) b * cap->T * cap->C;
}

/* ln(x) for one row: x (C) -> out (C) with the given LayerNorm weights, statistics in
 * double (as the engine's LayerNorm). */
void       pl_capture_layernorm_row (const float *x,
                                     int          C,
                                     const float *w,
                                     const float *b,
                                     float        eps,
                                     double      *out);

/* Row t of head h's attention pattern in block l: p (t + 1) = softmax over j <= t of
 * q_t · k_j / sqrt(d_head), with q_t recomputed in double from the captured stream
 * (ln_1, then c_attn's query columns) and k_j the captured keys (needs PL_CAPTURE_KV
 * and blocks 0..l run). */
void       pl_capture_pattern_row   (PlModel         *model,
                                     const PlCapture *cap,
                                     int              l,
                                     int              h,
                                     int              t,
                                     double          *p);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlCapture, pl_capture_free)

G_END_DECLS
