/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-pair-row.h: one row of the Pairs table: a pair's four texts, its optional name,
 * and what validation said of it (NULL when it is fine).
 *
 *   PlPairRow *row = pl_pair_row_new (clean, corrupted, " Mary", " John", NULL);
 *   g_object_bind_property (row, "clean", entry, "text", G_BINDING_BIDIRECTIONAL);
 *   char *line = pl_pair_row_to_json (row);   // one JSON Lines line, no newline
 *
 * Properties: "clean", "corrupted", "clean-answer", "corrupted-answer", "name" (texts,
 * never NULL but "name", which may be NULL), "error" (text or NULL).
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define PL_TYPE_PAIR_ROW (pl_pair_row_get_type ())
G_DECLARE_FINAL_TYPE (PlPairRow, pl_pair_row, PL, PAIR_ROW, GObject)

PlPairRow  *pl_pair_row_new          (const char *clean,
                                      const char *corrupted,
                                      const char *clean_answer,
                                      const char *corrupted_answer,
                                      const char *name);
/* From one JSON Lines line; NULL with a message when it is not a pair object. */
PlPairRow  *pl_pair_row_new_from_json (const char *line,
                                       GError    **error);
char       *pl_pair_row_to_json      (PlPairRow  *self);
const char *pl_pair_row_get_clean    (PlPairRow  *self);
const char *pl_pair_row_get_corrupted (PlPairRow *self);
const char *pl_pair_row_get_clean_answer (PlPairRow *self);
const char *pl_pair_row_get_corrupted_answer (PlPairRow *self);
const char *pl_pair_row_get_name     (PlPairRow  *self);
const char *pl_pair_row_get_error    (PlPairRow  *self);
void        pl_pair_row_set_error    (PlPairRow  *self,
                                      const char *error);

G_END_DECLS
