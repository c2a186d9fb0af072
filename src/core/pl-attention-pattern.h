/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-attention-pattern.h: where one attention head looks: its pattern on a prompt.
 *
 *   g_autofree float *p = pl_attention_pattern (model, ids, T, layer, head,
 *                                           NULL, &error);
 *   p[dst * T + src];   // how much position dst attends to src (0 when src > dst)
 *
 * Row dst is softmax(q_dst · k_src / √d_head) over src <= dst, with q and k the head's
 * slices of c_attn's output (bias included) in block `layer`; each row sums to 1.
 */
#pragma once

#include <gio/gio.h>

#include "pl-model.h"
#include "pl-sweep.h"

G_BEGIN_DECLS

/* (T, T) row-major, zeros above the diagonal; NULL with PL_ERROR_INVALID_ARGUMENT
 * naming the valid range for a layer or head that does not exist, or the errors of a
 * bad prompt (empty, too long, ids outside the vocabulary); G_IO_ERROR_CANCELLED when
 * cancellable (may be NULL) is cancelled. */
float *pl_attention_pattern (PlModel      *model,
                             const gint32 *ids,
                             int           T,
                             int           layer,
                             int           head,
                             GCancellable *cancellable,
                             GError      **error);

/* Whether patching site changes the patched head's own pattern: head_q, head_k and
 * head_pattern do; head_out and head_v act after it (and block sites are not a head's). */
gboolean pl_site_changes_pattern (PlSite site);

/* The pattern of head (layer, head) in the patched run of a sweep: the corrupted run
 * with that head's site taken from the clean run (denoise), or the clean run with it
 * from the corrupted run (noise), at every position (position = -1) or at one
 * (by position: q or a pattern row at the destination position, k at the source
 * position). Nothing before block `layer` changes, so this is exact without running
 * the patched forward. Both prompts have T tokens. A site that does not change the
 * pattern (pl_site_changes_pattern) is PL_ERROR_INVALID_ARGUMENT: the pattern is the
 * unpatched run's. */
float *pl_attention_pattern_patched (PlModel      *model,
                                     const gint32 *clean_ids,
                                     const gint32 *corrupted_ids,
                                     int           T,
                                     int           layer,
                                     int           head,
                                     PlSite        site,
                                     PlDirection   direction,
                                     int           position,
                                     GCancellable *cancellable,
                                     GError      **error);

/* FALSE with a message naming the model's valid range when layer or head is out of it. */
gboolean pl_check_layer_head (PlModel    *model,
                              int         layer,
                              int         head,
                              GError    **error);

G_END_DECLS
