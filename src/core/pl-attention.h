/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-attention.h: GPT-2's causal self-attention, one head at a time, vectorized with a
 * run-time choice of AVX-512, AVX2+FMA or portable code (the build targets baseline
 * x86-64).
 *
 * A segment is n consecutive positions pos0 .. pos0 + n - 1 of one sequence; its keys
 * and values for the positions before pos0 come from a prefix cache. For one head h of
 * size hs = C / H:
 *
 *   PlAttnHead kv;                                   // one per thread
 *   pl_attn_head_init (&kv, n_ctx, hs);
 *   pl_attn_head_gather (&kv, qkv, 3 * C, C, h, pos0, n, prefix_k, prefix_v);
 *   pl_attention_head (&kv, qkv + h * hs, 3 * C, pos0, n, NULL, 0, att + h * hs, C);
 *   pl_attn_head_clear (&kv);
 *
 * or all heads of a segment at once with pl_attention_segment. To read or replace a
 * head's query, key or value rows, change the slices qkv[row, h*hs .. (h+1)*hs) (query),
 * + C (key), + 2C (value) before gathering, or the prefix rows; to read the attention
 * pattern pass pattern (n rows of pos0 + n weights); to replace the head's output z,
 * write its (n, hs) slice of att after the call.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One head's keys and values, laid out so the inner loops stream:
 *   kT (hs, ldk)     keys transposed: kT[d * ldk + j] is dimension d of key j
 *   v  (n_ctx, hs)   values, one row per key
 *   scores (ldk)     one query's weights
 * ldk is n_ctx rounded up to 16, and the padding columns are zero. */
typedef struct {
  int    n_ctx, hs, ldk;
  float *kT;
  float *v;
  float *scores;
} PlAttnHead;

void pl_attn_head_init   (PlAttnHead  *kv,
                          int          n_ctx,
                          int          hs);
void pl_attn_head_clear  (PlAttnHead  *kv);

/* Fills kv with head h's keys and values for positions [0, pos0 + n): the first pos0
 * from prefix_k and prefix_v (pos0, C) (the columns of head h), the next n from the
 * segment's rows of qkv (n, qkv_stride), whose key of head h starts at column
 * C + h * hs and value at 2C + h * hs. */
void pl_attn_head_gather (PlAttnHead  *kv,
                          const float *qkv,
                          gsize        qkv_stride,
                          int          C,
                          int          h,
                          int          pos0,
                          int          n,
                          const float *prefix_k,
                          const float *prefix_v);

/* z[i] (hs) = sum_j softmax_j (q[i] . k_j / sqrt(hs)) v_j over keys j <= pos0 + i, for
 * the n queries q (n, hs) with row stride q_stride, writing z (n, hs) with row stride
 * z_stride. pattern, when not NULL, receives the weights: row i (stride
 * pattern_stride >= pos0 + n) holds pos0 + i + 1 weights, then zeros up to pos0 + n.
 * Each query's result depends only on its own position's keys, not on pos0 or n. */
void pl_attention_head   (PlAttnHead  *kv,
                          const float *q,
                          gsize        q_stride,
                          int          pos0,
                          int          n,
                          float       *pattern,
                          gsize        pattern_stride,
                          float       *z,
                          gsize        z_stride);

/* Every head of one segment: att (n, C) from qkv (n, 3C), prefix_k and prefix_v
 * (pos0, C) (NULL when pos0 = 0); patterns, when not NULL, is (H, n, pos0 + n). */
void pl_attention_segment (PlAttnHead  *kv,
                           const float *qkv,
                           int          C,
                           int          H,
                           int          pos0,
                           int          n,
                           const float *prefix_k,
                           const float *prefix_v,
                           float       *patterns,
                           float       *att);

/* "avx512", "avx2" or "portable": the code path in use, by default the best this CPU
 * has; PATCHLENS_SIMD=portable|avx2|avx512 in the environment chooses another. */
const char *pl_attention_path     (void);
/* For tests and benchmarks: use that path from now on; FALSE (and no change) when this
 * CPU lacks it. */
gboolean    pl_attention_use_path (const char *name);

G_END_DECLS
