/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-pair-set.h: a set of prompt pairs, read from a JSON Lines file.
 *
 *   g_autoptr(PlPairSet) set = pl_pair_set_load (tok, cfg->n_positions, "ioi.jsonl",
 *                                                &error);
 *   for (int i = 0; i < set->n_pairs; i++)
 *     run (set->pairs[i]);            // a validated PlInputs, set->n_tokens tokens
 *
 * One pair a line, as an object with four strings and an optional fifth:
 *   {"clean": "...", "corrupted": "...", "clean_answer": " Mary",
 *    "corrupted_answer": " John", "name": "optional label"}
 * Blank lines are skipped. Every pair is checked as a single pair is (pl-inputs.h: same
 * token counts, one-token answers, within the context), and every pair must have the
 * set's token count (the first pair's), so that positions line up across pairs.
 *
 * Every error is a PL_ERROR naming the file and the line, e.g.
 *   "ioi.jsonl: line 3: the pair has 16 tokens, but the set's pairs have 15 (line 1)"
 * followed, for token counts, by both segmentations.
 *
 * Limits (so a set never costs more memory than the model): at most
 * PL_PAIR_SET_MAX_PAIRS pairs and PL_PAIR_SET_MAX_TOKENS tokens over all pairs (pairs x
 * tokens per prompt); larger sets are refused, asking to split them.
 */
#pragma once

#include <glib.h>

#include "pl-inputs.h"

G_BEGIN_DECLS

#define PL_PAIR_SET_MAX_PAIRS  10000
#define PL_PAIR_SET_MAX_TOKENS 500000

typedef struct {
  int        n_pairs;
  int        n_tokens;   /* of every prompt in the set */
  PlInputs **pairs;      /* n_pairs, in file order */
  char     **names;      /* n_pairs; NULL where a pair has no "name" */
  int       *lines;      /* n_pairs; the 1-based line each pair came from */
  char      *file;       /* the file's name as errors show it */
} PlPairSet;

/* n_ctx: the model's context (pl_config n_positions); <= 0 for no limit. file names the
 * data in messages. */
PlPairSet *pl_pair_set_parse (PlTokenizer *tok,
                              int          n_ctx,
                              const char  *data,
                              gsize        length,
                              const char  *file,
                              GError     **error);
PlPairSet *pl_pair_set_load  (PlTokenizer *tok,
                              int          n_ctx,
                              const char  *path,
                              GError     **error);
void       pl_pair_set_free  (PlPairSet   *set);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlPairSet, pl_pair_set_free)

G_END_DECLS
