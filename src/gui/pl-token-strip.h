/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-token-strip.h: a prompt's tokens as wrapped chips, with its token count.
 *
 *   pl_token_strip_set_tokens (strip, ids, pieces, n, differs);
 *
 * The tokens read like text, each on its own background, spaces visible (␣); hovering
 * one shows its position and id; tokens whose differs[i] is TRUE are highlighted (the
 * tokens the two prompts disagree on).
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PL_TYPE_TOKEN_STRIP (pl_token_strip_get_type ())
G_DECLARE_FINAL_TYPE (PlTokenStrip, pl_token_strip, PL, TOKEN_STRIP, GtkWidget)

GtkWidget  *pl_token_strip_new           (void);
/* ids, pieces and differs have n entries; differs may be NULL. */
void        pl_token_strip_set_tokens    (PlTokenStrip       *self,
                                          const gint32       *ids,
                                          const char * const *pieces,
                                          int                 n,
                                          const gboolean     *differs);
void        pl_token_strip_clear         (PlTokenStrip       *self);
int         pl_token_strip_get_n_tokens  (PlTokenStrip       *self);
int         pl_token_strip_get_n_highlighted (PlTokenStrip   *self);
/* Token i as decoded (" Jones"); NULL when out of range. */
const char *pl_token_strip_get_piece     (PlTokenStrip       *self,
                                          int                 i);
gboolean    pl_token_strip_get_differs   (PlTokenStrip       *self,
                                          int                 i);
/* The hover text of token i: "Position 1 · id 5437 · “␣Jones”". */
char       *pl_token_strip_describe      (PlTokenStrip       *self,
                                          int                 i);

/* A token for display: spaces as ␣, newlines as ↵, tabs as →. */
char       *pl_token_display             (const char         *piece);

G_END_DECLS
