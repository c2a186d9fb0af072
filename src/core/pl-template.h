/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-template.h: making a set of prompt pairs from a text with slots.
 *
 *   g_autoptr(PlTemplate) t = pl_template_new (
 *       "When {A} and {B} went to the {place}, {B} gave a {thing} to", &error);
 *   pl_template_add_slot (t, "A", names, &error);        // NULL-terminated fillers
 *   pl_template_add_slot (t, "B", names, &error);  ...
 *   pl_template_add_corruption (t, "A", "B", &error);    // swap A and B
 *   pl_template_set_answers (t, "A", "A", &error);
 *   g_autoptr(GPtrArray) pairs = pl_template_expand (t, tok, 24, 1, &error);
 *   // PlTemplatePair *; pl_template_pair_to_json () gives one JSON Lines line
 *
 * The clean prompt fills every slot with one filler per slot; the pairs are the
 * combinations of fillers (the first slot given varies slowest). The corrupted prompt
 * applies the corruptions in order to a copy of the clean filling: "A", "B" where B is a
 * slot swaps the two slots' values, "S", "text" puts that text in slot S. The clean
 * answer is CLEAN_SLOT's value in the clean filling, the corrupted answer
 * CORRUPTED_SLOT's in the corrupted filling, each with a leading space.
 *
 * Every value that can stand in a slot must be one token as it stands there (with its
 * leading space when the template has a space before the slot), so that every pair has
 * the same positions; otherwise expanding fails, naming the filler, the slot and its
 * tokens. Combinations whose corrupted prompt equals the clean one, or whose two
 * answers are equal (e.g. A = B), are left out. limit > 0 keeps that many combinations
 * drawn at random with seed (the same seed, the same pairs), in combination order.
 * "{{" and "}}" are literal braces.
 */
#pragma once

#include <glib.h>

#include "pl-tokenizer.h"

G_BEGIN_DECLS

/* At most this many combinations are enumerated (ask for fewer slots or fillers). */
#define PL_TEMPLATE_MAX_COMBINATIONS 1000000

typedef struct _PlTemplate PlTemplate;

typedef struct {
  char *name;        /* "A=Mary B=John place=store" */
  char *clean;
  char *corrupted;
  char *clean_answer;
  char *corrupted_answer;
} PlTemplatePair;

PlTemplate *pl_template_new            (const char  *text,
                                        GError     **error);
void        pl_template_free           (PlTemplate  *t);
/* values: NULL-terminated, at least one. A slot may be given once. */
gboolean    pl_template_add_slot       (PlTemplate  *t,
                                        const char  *name,
                                        const char *const *values,
                                        GError     **error);
/* slot = value: a slot name swaps, anything else is put in the slot. Call after every
 * pl_template_add_slot. */
gboolean    pl_template_add_corruption (PlTemplate  *t,
                                        const char  *slot,
                                        const char  *value,
                                        GError     **error);
gboolean    pl_template_set_answers    (PlTemplate  *t,
                                        const char  *clean_slot,
                                        const char  *corrupted_slot,
                                        GError     **error);
/* PlTemplatePair * in combination order; NULL with an error naming what to change. */
GPtrArray  *pl_template_expand         (PlTemplate  *t,
                                        PlTokenizer *tok,
                                        int          limit,
                                        guint32      seed,
                                        GError     **error);

/* {"name": ..., "clean": ..., "corrupted": ..., "clean_answer": ...,
 *  "corrupted_answer": ...} on one line, without the newline. */
char       *pl_template_pair_to_json   (const PlTemplatePair *pair);
void        pl_template_pair_free      (PlTemplatePair       *pair);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlTemplate, pl_template_free)

G_END_DECLS
