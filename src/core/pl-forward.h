/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-forward.h: GPT-2's layers as plain functions, internal to the core library.
 *
 * The unit of work is a batch of rows of the residual stream, x (R, C), made of
 * segments: each segment is one sequence's positions [pos0, pos0 + n). Its keys and
 * values for the positions before pos0 come from a prefix cache (the corrupted run's, in
 * the sweep). The plain forward is one segment with pos0 = 0; the sweep's patched runs
 * are many segments batched into one matrix product per weight.
 */
#pragma once

#include "pl-attention.h"
#include "pl-model.h"
#include "pl-sweep.h"

G_BEGIN_DECLS

typedef struct {
  int pos0;   /* first position the segment holds */
  int n;      /* number of positions (rows) */
  int row;    /* its first row in the batch */
  /* This segment's own prefix keys and values (n_ctx, C) for the block being run, when
   * the batch mixes sequences (a set's pairs); NULL: the call's prefix_k and prefix_v. */
  const float *prefix_k, *prefix_v;
} PlSegment;

/* Buffers for pushing up to max_rows rows of sequences of up to n_ctx positions
 * through a block. */
typedef struct {
  int    max_rows;
  int    n_ctx;
  int    C;
  float *ln;      /* (R, C)   LayerNorm output */
  float *qkv;     /* (R, 3C)  queries | keys | values */
  float *att;     /* (R, C)   attention, heads concatenated, before c_proj */
  float *proj;    /* (R, C)   what attention adds (attn_out) */
  float *fc;      /* (R, 4C)  MLP hidden, after GELU */
  float *mlp;     /* (R, C)   what the MLP adds (mlp_out) */
  PlAttnHead *kv; /* one per worker thread (pl-parallel.h): a head's keys and values */
  int     n_kv;
} PlScratch;

PlScratch *pl_scratch_new  (const PlConfig *cfg,
                            int             max_rows,
                            int             n_ctx);
void       pl_scratch_free (PlScratch      *s);

/* Where a capturing run stores a block's activations (any may be NULL); each (T, C). */
typedef struct {
  float *attn_out;
  float *mlp_out;
  float *k;
  float *v;
} PlBlockTaps;

/* Called by pl_block_forward after attention and before c_proj, with the batch's
 * s->qkv (R, 3C) and s->att (R, C) (heads concatenated) filled: it may read both and
 * rewrite rows of s->att. The head sweeps capture and patch heads with it. */
typedef void (*PlAttnHook) (gpointer         data,
                            const PlSegment *segs,
                            int              n_segs,
                            PlScratch       *s);

/* A patch inside a block (the naive path): replace the attention or MLP output at one
 * position of a single-segment batch by a row of the clean run; and/or a hook. */
typedef struct {
  PlSite       site;    /* PL_SITE_ATTN_OUT or PL_SITE_MLP_OUT (else only the hook) */
  int          pos;
  const float *row;     /* (C) */
  PlAttnHook   hook;    /* may be NULL */
  gpointer     hook_data;
} PlBlockPatch;

/* x (T, C) = wte[ids] + wpe[0..T) */
void pl_embed           (const PlModel *model,
                         const gint32  *ids,
                         int            T,
                         float         *x);

/* x (n_rows, C) += attn(ln_1(x)) then += mlp(ln_2(x)), for block b. prefix_k and
 * prefix_v (n_ctx, C) are the keys and values of block b for positions before each
 * segment's pos0 (NULL when every pos0 is 0). taps (NULL, or one per segment) and
 * patch may be NULL. Keys and values are tapped before attention, so a segment's prefix
 * may be another segment's taps of the same call (the sweep runs the unpatched runs and
 * the patched ones that read them in one batch). */
void pl_block_forward   (const PlModel      *model,
                         int                 b,
                         float              *x,
                         const PlSegment    *segs,
                         int                 n_segs,
                         const float        *prefix_k,
                         const float        *prefix_v,
                         PlScratch          *s,
                         const PlBlockTaps  *taps,
                         const PlBlockPatch *patch);

/* Block b as the last block of a run whose last position alone is read: only each
 * segment's last row of x is brought up to date (the other rows are left as they were);
 * it costs the keys and values of every row plus a whole block for one row per segment,
 * instead of a whole block for every row. */
void pl_block_forward_last_rows (const PlModel   *model,
                                 int              b,
                                 float           *x,
                                 const PlSegment *segs,
                                 int              n_segs,
                                 const float     *prefix_k,
                                 const float     *prefix_v,
                                 PlScratch       *s);

/* Just the MLP half: x (n_rows, C) += mlp(ln_2(x)). */
void pl_block_mlp       (const PlModel *model,
                         int            b,
                         float         *x,
                         int            n_rows,
                         PlScratch     *s);

/* out (C) = ln_f(x (C)) */
void pl_final_norm      (const PlModel *model,
                         const float   *x,
                         float         *out);

/* logits (V) = wte (V, C) · h (C) */
void pl_lm_head         (const PlModel *model,
                         const float   *h,
                         float         *logits);

/* logits (n, V) = h (n, C) · wte^T: one matrix product for many rows */
void pl_lm_head_rows    (const PlModel *model,
                         const float   *h,
                         int            n,
                         float         *logits);

/* logit of one token: wte[id] · h */
float pl_token_logit    (const PlModel *model,
                         const float   *h,
                         gint32         id);

G_END_DECLS
