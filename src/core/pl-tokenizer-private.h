/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-tokenizer-private.h: the tokenizer's tables, shared by pl-tokenizer-load.c (which
 * reads vocab + merges into them) and pl-tokenizer.c (BPE, encode, decode, pieces).
 * Not for use outside those files.
 */
#pragma once

#include "pl-tokenizer.h"

G_BEGIN_DECLS

#define ENDOFTEXT "<|endoftext|>"

typedef struct
{
  gint32 left;       /* id of the left symbol */
  gint32 right;      /* id of the right symbol */
  gint32 result;     /* id of left + right */
} Merge;

typedef struct
{
  guint64 key;       /* left << 32 | right */
  gint32  rank;      /* index into merges, -1 for an empty slot */
} MergeSlot;

struct _PlTokenizer
{
  gint32     n_vocab;
  guint8    *bytes;          /* (total) raw bytes of all tokens, back to back */
  guint32   *piece_off;      /* (n_vocab) offset of each token's bytes in bytes */
  guint32   *piece_len;      /* (n_vocab) length of each token's bytes */
  gint32     byte_id[256];   /* id of the single-byte token of each byte */
  Merge     *merges;         /* (n_merges) by rank */
  gint32     n_merges;
  MergeSlot *slots;          /* (n_slots) open addressing, n_slots a power of two */
  guint32    slot_mask;      /* n_slots - 1 */
  gint32     endoftext_id;   /* -1 when the vocab has no <|endoftext|> */
  gboolean   allow_special;
};

/* ---- merge table ---- */

/* Inline: the BPE loop looks a pair up for every candidate merge. */
static inline guint32
merge_hash (guint64 key)
{
  return (guint32) ((key * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15)) >> 32);
}

/* The slot of (left, right): the one holding it, or the empty one where it would go. */
static inline MergeSlot *
merge_slot (const PlTokenizer *tok, gint32 left, gint32 right)
{
  guint64 key = ((guint64) (guint32) left << 32) | (guint32) right;
  guint32 i = merge_hash (key) & tok->slot_mask;

  /* The table is at most half full, so an empty slot always ends the probe. */
  while (tok->slots[i].rank >= 0 && tok->slots[i].key != key)
    i = (i + 1) & tok->slot_mask;
  return &tok->slots[i];
}

/* The rank of merging left and right, -1 if they do not merge. */
static inline gint32
merge_rank (const PlTokenizer *tok, gint32 left, gint32 right)
{
  return merge_slot (tok, left, right)->rank;
}

/* Reads vocab_path (JSON, token -> id) and merges_path (one "left right" merge a line,
 * rank = order) into tok, a zeroed tokenizer. On failure tok holds what was read so far
 * (pl_tokenizer_free releases it) and error names the file and line at fault. */
gboolean pl_tokenizer_load (PlTokenizer  *tok,
                            const char   *vocab_path,
                            const char   *merges_path,
                            GError      **error);

G_END_DECLS
