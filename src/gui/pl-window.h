/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-window.h: the main window: the prompts panel on the left, the heatmap pane in the
 * middle, the next-token pane on the right, all bound to one PlDocument.
 *
 *   PlWindow *win = pl_window_new (app);
 *   gtk_window_present (GTK_WINDOW (win));
 *   pl_window_open_experiment (win, file);   // optional
 *
 * Everything a user does goes through the window's actions (win.save, win.open, win.run,
 * win.preset, …; app.quit closes each window, which asks about unsaved work). Tests
 * drive those same actions; the accessors below let them read what the user sees.
 */
#pragma once

#include <adwaita.h>

#include "pl-document.h"

G_BEGIN_DECLS

#define PL_TYPE_WINDOW (pl_window_get_type ())
G_DECLARE_FINAL_TYPE (PlWindow, pl_window, PL, WINDOW, AdwApplicationWindow)

PlWindow   *pl_window_new                (GtkApplication *app);
/* Loads the last model (GSettings last-model) or "gpt2" if found; shows how to get one
 * otherwise. */
void        pl_window_load_startup_model (PlWindow       *self);
/* A family name from the store, or a folder. */
void        pl_window_load_model         (PlWindow       *self,
                                          const char     *name_or_dir);
/* Opens a .patchlens file, read off the main thread; errors are shown in the window. */
void        pl_window_open_experiment    (PlWindow       *self,
                                          GFile          *file);

PlDocument *pl_window_get_document       (PlWindow       *self);
gboolean    pl_window_is_loading_model   (PlWindow       *self);
gboolean    pl_window_is_sweeping        (PlWindow       *self);
gboolean    pl_window_is_opening         (PlWindow       *self);
gboolean    pl_window_has_model          (PlWindow       *self);

/* The file choosers cannot be driven in tests. With a chooser set, win.open, win.save-as
 * (and Save of a never-saved experiment) ask it instead of showing a dialog: it returns
 * the path the user would pick ("open" or "save"), or NULL for Cancel. */
typedef char *(*PlWindowChooser) (PlWindow   *win,
                                  const char *purpose,
                                  gpointer    data);
void        pl_window_set_chooser        (PlWindow        *self,
                                          PlWindowChooser  chooser,
                                          gpointer         data);

/* Writes the shown result as a figure (.png .svg .pdf) or data (.csv .json). */
gboolean    pl_window_export_figure_to   (PlWindow       *self,
                                          const char     *path,
                                          double          scale,
                                          GError        **error);
gboolean    pl_window_export_data_to     (PlWindow       *self,
                                          const char     *path,
                                          GError        **error);

G_END_DECLS
