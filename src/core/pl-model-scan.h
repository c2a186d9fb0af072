/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-model-scan.h: every model folder in the store's places, whatever its name.
 *
 *   g_autoptr(GPtrArray) all = pl_model_scan_all ();   // of PlModelEntry
 *
 * pl_model_store_list finds the family names (gpt2, …) in every place; this adds each
 * folder of $PATCHLENS_MODELS and of Patchlens' own models folder that holds a model
 * (config.json and model.safetensors) under any name, such as "gpt2-seed1234". A
 * family name comes first where both reach the same folder; the rest are sorted by name.
 */
#pragma once

#include "pl-model-store.h"

G_BEGIN_DECLS

GPtrArray *pl_model_scan_all (void);

G_END_DECLS
