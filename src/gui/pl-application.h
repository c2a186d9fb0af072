/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-application.h: the application: app actions (about, quit), keyboard accelerators,
 * a window per activation or opened .patchlens file.
 *
 *   g_autoptr(PlApplication) app = pl_application_new ();
 *   return g_application_run (G_APPLICATION (app), argc, argv);
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PL_TYPE_APPLICATION (pl_application_get_type ())
G_DECLARE_FINAL_TYPE (PlApplication, pl_application, PL, APPLICATION, AdwApplication)

PlApplication *pl_application_new (void);

G_END_DECLS
