/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-data.h: where Patchlens finds its shipped data (the GPT-2 tokenizer files).
 *
 * In order: $PATCHLENS_DATA_DIR, the installed PKGDATADIR, then the source tree's data/
 * (so the programs work from the build tree before `meson install`).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

const char *pl_data_dir (void);

G_END_DECLS
