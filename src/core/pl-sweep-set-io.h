/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-sweep-set-io.h: a set's sweep result as JSON (the CLI's contract), as CSV and as
 * the figure of the mean.
 *
 *   pl_set_result_save_json (result, "ioi.json", &error);
 *   g_autoptr(PlHeatmap) hm = pl_set_result_heatmap (result);
 *
 * JSON:
 *   { "format": "patchlens-sweep-set", "version": 1, "pairs": N,
 *     ...the keys of a single pair's JSON that describe the sweep: "model", "site",
 *        "metric", "metric_label", the shape ("layers", "positions", and "axes" when a
 *        single pair's JSON has it)...,
 *     "matrix": the mean, "std": the population standard deviation (same nesting),
 *     "seconds", "naive",
 *     "per_pair": [ {"clean": text, "corrupted": text, "clean_answer_id": id,
 *                    "corrupted_answer_id": id, "matrix": that pair's own}, ...
 *                   in file order ] }
 * Every matrix is nested exactly as a single pair's "matrix" (pl-result-io.h). The
 * text is written pair by pair, so 10,000 pairs cost no more memory than their text.
 * The pair-specific keys of a single pair ("clean", "corrupted", "clean_answer",
 * "corrupted_answer") are not at the top level.
 *
 * CSV: a single pair's columns with its last one, "value", replaced by "mean,std".
 * Files are written atomically.
 */
#pragma once

#include "pl-heatmap.h"
#include "pl-sweep-set.h"

G_BEGIN_DECLS

char      *pl_set_result_to_json   (const PlSetResult *result,
                                    gsize             *length);
char      *pl_set_result_to_csv    (const PlSetResult *result,
                                    gsize             *length);
gboolean   pl_set_result_save_json (const PlSetResult *result,
                                    const char        *path,
                                    GError           **error);
gboolean   pl_set_result_save_csv  (const PlSetResult *result,
                                    const char        *path,
                                    GError           **error);
/* The figure of the mean, titled "Activation patching · SITE · MODEL · mean of N pairs". */
PlHeatmap *pl_set_result_heatmap   (const PlSetResult *result);

G_END_DECLS
