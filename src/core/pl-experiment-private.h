/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-experiment-private.h: the parts of an experiment file that pl-experiment.c leaves
 * to other files: the set of pairs (pl-experiment-pairs.c).
 */
#pragma once

#include <json-glib/json-glib.h>

#include "pl-experiment.h"

G_BEGIN_DECLS

/* Adds "mode", "pairs" and "set_result" to the experiment object being built. */
void     pl_experiment_write_pairs (const PlExperiment *e,
                                    JsonBuilder        *b);
/* Reads them back; absent members leave the single-pair defaults. */
gboolean pl_experiment_read_pairs  (JsonObject         *o,
                                    PlExperiment       *e,
                                    GError            **error);

G_END_DECLS
