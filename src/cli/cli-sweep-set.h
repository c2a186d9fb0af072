/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * cli-sweep-set.h: `patchlens-cli sweep --pairs FILE.jsonl`, the sweep over a set of
 * pairs. cli-sweep.c parses the options and checks them, then hands over here:
 *
 *   const char *outputs[CLI_SET_N_OUTPUTS] = { json, csv, png, svg, pdf };  // or NULL
 *   return cli_sweep_set (model, pairs, &opt, outputs, cmap, scale);
 *
 * FILE is a path, or the name of a set shipped with Patchlens (ioi, names), found in
 * DATADIR/pairs/NAME.jsonl.
 */
#pragma once

#include "pl-colormap.h"
#include "pl-sweep.h"

G_BEGIN_DECLS

/* The order of cli-sweep.c's outputs. */
enum { CLI_SET_JSON, CLI_SET_CSV, CLI_SET_PNG, CLI_SET_SVG, CLI_SET_PDF, CLI_SET_N_OUTPUTS };

int cli_sweep_set (const char           *model,
                   const char           *pairs,
                   const PlSweepOptions *opt,
                   char * const         *outputs,
                   PlColormap            cmap,
                   double                scale);

G_END_DECLS
