/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-tokenizer.h: GPT-2 byte-level BPE, exact.
 *
 *   g_autoptr(GError) error = NULL;
 *   g_autoptr(PlTokenizer) tok = pl_tokenizer_new_default (&error);
 *   g_autoptr(GArray) ids = pl_tokenizer_encode (tok, "Michelle Jones", -1, &error);
 *   // ids is a GArray of gint32: {48736, 5437}
 *   g_autofree char *piece = pl_tokenizer_piece (tok, 5437);   // " Jones"
 *
 * Pre-tokenization uses GPT-2's pattern
 *   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 * then each chunk's UTF-8 bytes are mapped to GPT-2's printable byte alphabet and merged
 * by rank. A PlTokenizer is immutable after loading: it may be used from several threads
 * at once.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _PlTokenizer PlTokenizer;

#define PL_TOKEN_ENDOFTEXT 50256

/* vocab: Hugging Face vocab.json or OpenAI encoder.json (the same JSON object);
 * merges: merges.txt or vocab.bpe (the same text, first line "#version: ..."). */
PlTokenizer *pl_tokenizer_new_from_files (const char  *vocab_path,
                                          const char  *merges_path,
                                          GError     **error);
/* A folder holding vocab.json + merges.txt, or encoder.json + vocab.bpe. */
PlTokenizer *pl_tokenizer_new_from_dir   (const char  *dir,
                                          GError     **error);
/* The GPT-2 files shipped with Patchlens (see pl_data_dir()). */
PlTokenizer *pl_tokenizer_new_default    (GError     **error);
void         pl_tokenizer_free           (PlTokenizer *tok);

/* By default the literal text "<|endoftext|>" is plain text (as in minGPT's tokenizer);
 * with allow_special it becomes token 50256. Set it before sharing the tokenizer. */
void         pl_tokenizer_set_allow_special (PlTokenizer *tok,
                                             gboolean     allow_special);

/* Returns a GArray of gint32 ids, or NULL with PL_ERROR_INVALID_TEXT for invalid UTF-8.
 * len may be -1 for a NUL-terminated text. The empty text gives an empty array. */
GArray      *pl_tokenizer_encode         (PlTokenizer *tok,
                                          const char  *text,
                                          gssize       len,
                                          GError     **error);
/* The bytes the ids stand for, NUL-terminated (they may be invalid UTF-8 when a
 * multi-byte character is split across tokens). out_len may be NULL. Unknown ids
 * decode to nothing. */
char        *pl_tokenizer_decode         (PlTokenizer  *tok,
                                          const gint32 *ids,
                                          gsize         n_ids,
                                          gsize        *out_len);
/* One token as text for display: always valid UTF-8 (bytes that are not valid UTF-8 on
 * their own are shown as \xNN). NULL for an unknown id. */
char        *pl_tokenizer_piece          (PlTokenizer *tok,
                                          gint32       id);
gint32       pl_tokenizer_vocab_size     (PlTokenizer *tok);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlTokenizer, pl_tokenizer_free)

G_END_DECLS
