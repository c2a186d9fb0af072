/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-set-result-store.h: a set's sweep result as an experiment file keeps it, with
 * everything needed to show it again (the CLI's JSON, pl-sweep-set-io.h, is for other
 * tools and leaves out the pairs' answers and the summary's runs).
 *
 *   JsonNode *node = pl_set_result_to_node (result);          // into the experiment
 *   PlSetResult *back = pl_set_result_from_node (node, &error);
 *
 *   { "summary": { a single result's JSON (pl-result-io.h) holding the mean },
 *     "std": [ n_cells numbers, in the matrix's cell order ], "seconds": 1.2,
 *     "pairs": [ { "name": text or null, "line": 3, "clean": ..., "corrupted": ...,
 *                  "clean_answer": ..., "corrupted_answer": ...,
 *                  "clean_answer_id": 5437, "corrupted_answer_id": 4176,
 *                  "clean_value": 2.1, "corrupted_value": -1.3,
 *                  "matrix": [ n_cells numbers ] }, ... ] }
 *
 * Reading checks every member and every count (NULL with a PL_ERROR_FORMAT naming what
 * is wrong); the mean is the summary's matrix.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "pl-sweep-set.h"

G_BEGIN_DECLS

JsonNode    *pl_set_result_to_node   (const PlSetResult *result);
PlSetResult *pl_set_result_from_node (JsonNode          *node,
                                      GError           **error);

G_END_DECLS
