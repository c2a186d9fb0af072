/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * cli-sweep-set.h: `patchlens-cli sweep --pairs FILE.jsonl`, the sweep over a set of
 * pairs. cli-sweep.c parses the options and checks them, then hands over here:
 *
 *   char *outputs[OUT_N] = { json, csv, png, svg, pdf };   // or NULL (cli-output.h)
 *   return cli_sweep_set (model, pairs, &opt, outputs, cmap, scale);
 *
 * FILE is a path, or the name of a set shipped with Patchlens (ioi, names), found in
 * DATADIR/pairs/NAME.jsonl.
 */
#pragma once

#include "cli-output.h"
#include "pl-colormap.h"
#include "pl-sweep.h"

G_BEGIN_DECLS

int cli_sweep_set (const char           *model,
                   const char           *pairs,
                   const PlSweepOptions *opt,
                   char * const          outputs[OUT_N],
                   PlColormap            cmap,
                   double                scale);

G_END_DECLS
