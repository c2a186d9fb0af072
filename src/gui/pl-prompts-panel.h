/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-prompts-panel.h: the left column: the clean and corrupted prompts with their token
 * chips, the validation line, the two answers with their one-token checks, suggested
 * answers, the site (block or head), the granularity, the direction with what it
 * tests, and the metric. Its entries and drop-downs are bound to a
 * PlDocument; it validates on every change of the document's texts.
 *
 *   pl_prompts_panel_set_document (panel, doc);
 *   pl_prompts_panel_set_tokenizer (panel, tok, n_ctx);   // the model's, or the default
 *   g_signal_connect (panel, "changed", G_CALLBACK (on_inputs), self);
 *   const PlInputs *in = pl_prompts_panel_get_inputs (panel);   // NULL until valid
 *   pl_prompts_panel_set_predictions (panel, clean_top, corrupted_top);   // suggestions
 *
 * Signal: "changed": after each validation (the inputs may now be valid, or not).
 */
#pragma once

#include <gtk/gtk.h>

#include "pl-document.h"
#include "pl-token-strip.h"

G_BEGIN_DECLS

#define PL_TYPE_PROMPTS_PANEL (pl_prompts_panel_get_type ())
G_DECLARE_FINAL_TYPE (PlPromptsPanel, pl_prompts_panel, PL, PROMPTS_PANEL, GtkWidget)

void            pl_prompts_panel_set_document    (PlPromptsPanel *self,
                                                  PlDocument     *doc);
/* tok is borrowed and must outlive its use (until the next call); n_ctx <= 0: no limit. */
void            pl_prompts_panel_set_tokenizer   (PlPromptsPanel *self,
                                                  PlTokenizer    *tok,
                                                  int             n_ctx);
const PlInputs *pl_prompts_panel_get_inputs      (PlPromptsPanel *self);
void            pl_prompts_panel_set_predictions (PlPromptsPanel *self,
                                                  const PlTopK   *clean,
                                                  const PlTopK   *corrupted);
void            pl_prompts_panel_validate        (PlPromptsPanel *self);

/* The widgets a user types into and reads, for tests. */
GtkEditable    *pl_prompts_panel_get_entry       (PlPromptsPanel *self,
                                                  PlText          which);
PlTokenStrip   *pl_prompts_panel_get_strip       (PlPromptsPanel *self,
                                                  gboolean        corrupted);
GtkWidget      *pl_prompts_panel_get_validation  (PlPromptsPanel *self);   /* its box */
const char     *pl_prompts_panel_get_validation_text (PlPromptsPanel *self);
GtkLabel       *pl_prompts_panel_get_answer_status (PlPromptsPanel *self,
                                                    gboolean        corrupted);
GtkWidget      *pl_prompts_panel_get_suggestions (PlPromptsPanel *self);
/* The site is chosen in a menu of two sections (block sites, attention heads) whose
 * items activate "panel.site" with the site's name ("head_out"). */
GtkMenuButton  *pl_prompts_panel_get_site_button (PlPromptsPanel *self);
GtkDropDown    *pl_prompts_panel_get_granularity_dropdown (PlPromptsPanel *self);
GtkDropDown    *pl_prompts_panel_get_direction_dropdown (PlPromptsPanel *self);
const char     *pl_prompts_panel_get_direction_text (PlPromptsPanel *self);
double          pl_prompts_panel_get_tokenize_ms (PlPromptsPanel *self);

/* The Pairs mode (pl-window-pairs.c): the prompts and answers hide, the site and metric
 * stay for the set. */
void            pl_prompts_panel_show_texts      (PlPromptsPanel *self,
                                                  gboolean        visible);

G_END_DECLS
