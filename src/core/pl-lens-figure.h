/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-lens-figure.h: the logit lens and an attention pattern as heatmap figures (drawn,
 * laid out and exported by pl-heatmap.h).
 *
 *   g_autoptr(PlHeatmap) hm = pl_heatmap_new_from_lens (lens, tok, "gpt2", answers);
 *   pl_heatmap_export (hm, PL_FIGURE_PDF, "lens.pdf", 1.0, &error);
 *
 * Logit lens: rows = the stream entering each block (the last row, "out", is the
 * model's output), columns = positions; each cell shows its top token, coloured by the
 * first answer's probability (viridis, 0 to 1), or with two or more answers by
 * logit(second) − logit(first) (diverging), or without answers by the top token's
 * probability. Attention: destination rows × source columns, the tokens on both axes,
 * viridis from 0 to 1.
 */
#pragma once

#include "pl-heatmap.h"
#include "pl-lens.h"
#include "pl-tokenizer.h"

G_BEGIN_DECLS

/* answers: lens->n_answers texts as typed (for the colour bar's label). */
PlHeatmap *pl_heatmap_new_from_lens    (const PlLens       *lens,
                                        PlTokenizer        *tok,
                                        const char         *model_name,
                                        const char * const *answers);
/* pattern (T, T), pieces (T) the prompt's tokens. */
PlHeatmap *pl_heatmap_new_from_pattern (const float        *pattern,
                                        int                 T,
                                        const char * const *pieces,
                                        int                 layer,
                                        int                 head,
                                        const char         *model_name);

G_END_DECLS
