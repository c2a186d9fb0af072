/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-result-io.h: a sweep result as JSON (the CLI's contract, read by other tools) and
 * as CSV.
 *
 *   g_autofree char *json = pl_result_to_json (result, NULL);
 *   pl_result_save_json (result, "out.json", &error);
 *
 * JSON (pretty-printed, UTF-8):
 *   { "format": "patchlens-sweep", "version": 1,
 *     "patchlens_version": "0.1.0", "model": "gpt2",
 *     "site": "resid_post", "direction": "denoise",
 *     "axes": ["layer", "position"],   (head sites: ["layer", "head"], by position
 *                                        ["layer", "position", "head"])
 *     "metric": "logit-diff",
 *     "metric_label": "logit( Smith) − logit( Jones)",
 *     "layers": 12, "positions": 11, "heads": 12,
 *     "clean":     { "text": ..., "ids": [...], "pieces": [...],
 *                    "topk": [ {"rank":1,"id":373,"token":" was","prob":0.1634,
 *                               "logit":-...}, ... ],
 *                    "answer_logits": {"clean": .., "corrupted": ..},
 *                    "metric": <value of the metric for this unpatched run> },
 *     "corrupted": { same },
 *     "clean_answer":     { "id": 5437, "token": " Jones" },
 *     "corrupted_answer": { "id": 4176, "token": " Smith" },
 *     "matrix": [[...positions values...], ... layers rows ...],   row 0 = layer 0
 *               (arrays nested in the order of "axes")
 *     "seconds": 0.21, "naive": false }
 *
 * Files without "direction" or "axes" (before head sites) read as denoise and
 * ["layer", "position"].
 *
 * CSV: a header "layer,position,token,value" then one line per cell (layer-major), the
 * token quoted as RFC 4180 says; head sites "layer,head,value", by position
 * "layer,position,token,head,value". Files are written atomically.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "pl-json-print.h"    /* pl_json_node_to_string */
#include "pl-sweep.h"
#include "pl-write-file.h"    /* pl_write_file_atomic */

G_BEGIN_DECLS

JsonNode      *pl_result_to_json_node (const PlSweepResult *result);
char          *pl_result_to_json      (const PlSweepResult *result,
                                       gsize               *length);
/* The inverse (used by experiment files): NULL with PL_ERROR_FORMAT naming what is
 * missing or of the wrong type. final_hidden is not stored: it is NULL after loading. */
PlSweepResult *pl_result_from_json_node (JsonNode          *node,
                                         GError           **error);
char          *pl_result_to_csv       (const PlSweepResult *result,
                                       gsize               *length);
/* Appends one CSV field as RFC 4180 says (quoted when it holds a comma, a quote or a
 * line break, and when it starts or ends with a space, which some readers trim). */
void           pl_csv_append_field    (GString             *s,
                                       const char          *field);
gboolean       pl_result_save_json    (const PlSweepResult *result,
                                       const char          *path,
                                       GError             **error);
gboolean       pl_result_save_csv     (const PlSweepResult *result,
                                       const char          *path,
                                       GError             **error);

G_END_DECLS
