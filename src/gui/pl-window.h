/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-window.h: the main window: prompts and answers on the left, the patching heatmap
 * in the middle, top-k tables on the right.
 *
 *   PlWindow *win = pl_window_new (app);
 *   gtk_window_present (GTK_WINDOW (win));
 *   pl_window_open_experiment (win, file);   // optional
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PL_TYPE_WINDOW (pl_window_get_type ())
G_DECLARE_FINAL_TYPE (PlWindow, pl_window, PL, WINDOW, AdwApplicationWindow)

PlWindow *pl_window_new             (GtkApplication *app);
/* Loads the last model (GSettings last-model) or "gpt2" if found; shows how to get one
 * otherwise. */
void      pl_window_load_startup_model (PlWindow    *self);
/* Opens a .patchlens file; errors are shown in the window. */
void      pl_window_open_experiment (PlWindow       *self,
                                     GFile          *file);

G_END_DECLS
