/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-analysis-io.h: the logit lens, an attention pattern and a direct logit
 * attribution as JSON (the CLI's contract, read by other tools) and as CSV, for the CLI
 * and the app alike.
 *
 *   g_autoptr(JsonNode) node = pl_lens_to_json_node (lens, tok, "gpt2", prompt, answers);
 *   g_autofree char *text = pl_json_node_to_string (node, NULL);
 *   g_autofree char *csv = pl_lens_to_csv (lens, tok, prompt, answers);
 *
 * JSON (every document starts with "model", "text", "ids", "pieces"):
 *   lens:        "layers": L + 1, "positions": T,
 *                "top": L + 1 rows of T {"id", "token", "prob"},
 *                "answers": [{"token", "id", "logit": [[...]], "prob": [[...]]}, ...]
 *   attention:   "layer", "head", "pattern": T rows (destination) of T (source)
 *   attribution: "answers": [{"token", "id"} A, B], "logit_diff", "embed",
 *                "heads": L rows of H, "attn_bias": L, "mlp": L, "ln_f_bias"
 * CSV (header line, then CRLF lines; tokens quoted as RFC 4180 says):
 *   lens:        layer,position,token,top_id,top_token,top_prob[,logit(A),prob(A)]...
 *   attention:   destination,source,destination_token,source_token,prob
 *   attribution: component,layer,head,value (embed, head, attn_bias, mlp, ln_f_bias)
 * answers are the answers as typed (lens->n_answers of them; A then B).
 */
#pragma once

#include <json-glib/json-glib.h>

#include "pl-attribution.h"
#include "pl-inputs.h"
#include "pl-lens.h"

G_BEGIN_DECLS

JsonNode *pl_lens_to_json_node        (const PlLens        *lens,
                                       PlTokenizer         *tok,
                                       const char          *model_name,
                                       const PlPrompt      *prompt,
                                       const char * const  *answers);
char     *pl_lens_to_csv              (const PlLens        *lens,
                                       PlTokenizer         *tok,
                                       const PlPrompt      *prompt,
                                       const char * const  *answers);

/* pattern (T, T) with T = prompt->n_tokens */
JsonNode *pl_pattern_to_json_node     (const float         *pattern,
                                       const PlPrompt      *prompt,
                                       int                  layer,
                                       int                  head,
                                       const char          *model_name);
char     *pl_pattern_to_csv           (const float         *pattern,
                                       const PlPrompt      *prompt);

JsonNode *pl_attribution_to_json_node (const PlAttribution *at,
                                       const PlPrompt      *prompt,
                                       const char * const  *answers,
                                       const char          *model_name);
char     *pl_attribution_to_csv       (const PlAttribution *at);

G_END_DECLS
