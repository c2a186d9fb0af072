/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-uninstalled.h: where the app finds its translations when it runs from the build
 * folder (tools/run, build/src/gui/patchlens) rather than from an installation.
 *
 *   bindtextdomain (GETTEXT_PACKAGE, pl_locale_dir ());
 *
 * meson compiles the .mo files into BUILD/po/LANG/LC_MESSAGES; an installed program
 * reads them from LOCALEDIR.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* TRUE when the running program lives in this project's build folder. */
gboolean    pl_running_uninstalled (void);
const char *pl_locale_dir          (void);

G_END_DECLS
