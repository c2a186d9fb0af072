/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-inputs.h: the four texts of a patching experiment, tokenized and validated.
 *
 *   g_autoptr(PlInputs) in = pl_inputs_prepare (tok, cfg->n_positions,
 *       "Michelle Jones was a top-notch student. Michelle",
 *       "Michelle Smith was a top-notch student. Michelle",
 *       " Jones", " Smith", &error);
 *   // in->clean.n_tokens == 11, in->corrupted_answer_id == 4176
 *
 * Every failure is a message a user can act on:
 *   PL_ERROR_EMPTY        "The clean prompt is empty."
 *   PL_ERROR_INVALID_TEXT "The corrupted prompt is not valid UTF-8 (byte 12)."
 *   PL_ERROR_TOO_LONG     "The clean prompt has 1030 tokens; gpt2 reads at most 1024."
 *   PL_ERROR_TOKEN_COUNT  both segmentations, "clean: 11 tokens  Michelle| Jones|...",
 *                         and which is longer by how many
 *   PL_ERROR_ANSWER       "The clean answer "Jones" is 2 tokens (Jones = J|ones);
 *                          try " Jones" with a leading space, which is 1 token."
 * The pieces (tokens as text) are in the form pl_tokenizer_piece() gives.
 */
#pragma once

#include <glib.h>

#include "pl-tokenizer.h"

G_BEGIN_DECLS

typedef struct {
  char    *text;
  gint32  *ids;        /* n_tokens */
  char   **pieces;     /* n_tokens, NULL-terminated */
  int      n_tokens;
} PlPrompt;

typedef struct {
  PlPrompt clean;
  PlPrompt corrupted;
  char    *clean_answer;        /* as typed, e.g. " Jones" */
  char    *corrupted_answer;
  gint32   clean_answer_id;
  gint32   corrupted_answer_id;
} PlInputs;

/* Tokenizes one prompt; fills p (free with pl_prompt_clear). which names it in errors
 * ("clean prompt"). n_ctx <= 0 means no length limit. */
gboolean  pl_prompt_init      (PlPrompt    *p,
                               PlTokenizer *tok,
                               const char  *text,
                               const char  *which,
                               int          n_ctx,
                               GError     **error);
void      pl_prompt_clear     (PlPrompt    *p);
/* "Michelle| Jones| was" : pieces joined with '|' for messages. */
char     *pl_prompt_describe  (const PlPrompt *p);
/* da (a->n_tokens) and db (b->n_tokens): TRUE where the other prompt has another token
 * at that position, or none (what the token strips highlight). Returns how many
 * positions differ within the shorter prompt. */
int       pl_prompt_mark_differences (const PlPrompt *a,
                                      const PlPrompt *b,
                                      gboolean       *da,
                                      gboolean       *db);

/* Checks that an answer is exactly one token; which names it ("clean answer"). */
gboolean  pl_answer_check     (PlTokenizer *tok,
                               const char  *answer,
                               const char  *which,
                               gint32      *id_out,
                               GError     **error);

PlInputs *pl_inputs_prepare   (PlTokenizer *tok,
                               int          n_ctx,
                               const char  *clean,
                               const char  *corrupted,
                               const char  *clean_answer,
                               const char  *corrupted_answer,
                               GError     **error);
PlInputs *pl_inputs_copy      (const PlInputs *in);
/* The first position where the two prompts' token ids differ, or the token count when
 * none does. Ids, not text: only the same token at the same position gives the same
 * activations, so patches before it change nothing. */
int       pl_inputs_first_difference (const PlInputs *in);
void      pl_inputs_free      (PlInputs    *in);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlInputs, pl_inputs_free)

G_END_DECLS
