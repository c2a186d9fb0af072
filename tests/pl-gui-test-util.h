/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-gui-test-util.h: main-loop waits, window handling and model generation shared by
 * the GUI tests (test-gui, test-gui-download). How to use:
 *
 *   pl_gui_test_init (&argc, &argv);          // gtk_test_init, adw_init, the app's CSS
 *   pl_gui_test_gen_model (dir, "3", "--seed", "1", NULL);
 *   PlWindow *win = pl_window_new (NULL);
 *   gtk_window_present (GTK_WINDOW (win));
 *   pl_window_load_model (win, dir);
 *   pl_gui_test_wait_for (not_loading, win);  // gboolean not_loading (PlWindow *)
 *   pl_gui_test_close_window (win);           // and fails unless it is finalized
 *
 * Every wait iterates the default main context until its condition holds and fails,
 * naming what it waited for, after PL_GUI_TEST_WAIT_SECONDS: cases wait for conditions,
 * never for a fixed time (pl_gui_test_spin is for screenshots only).
 */
#pragma once

#include "pl-window-private.h"

G_BEGIN_DECLS

/* How long any wait may take before the test fails: far beyond what a condition needs
 * even under AddressSanitizer on a loaded machine, so that only a hang fails. */
#define PL_GUI_TEST_WAIT_SECONDS 60

/* gtk_test_init, adw_init, and what AdwApplication does for the app: its style sheet
 * from the resources. */
void pl_gui_test_init (int    *argc,
                       char ***argv);
/* pl_gui_test_init in a private world: a new folder /tmp/patchlens-NAME-XXXXXX (returned)
 * holds the model searches, the hub cache and the recent files, and GTK draws with
 * cairo unless GSK_RENDERER says otherwise. */
char *pl_gui_test_init_private (int        *argc,
                                char     ***argv,
                                const char *name);

/* Iterates the main context until cond (data) holds; fails, naming what, after
 * PL_GUI_TEST_WAIT_SECONDS. */
void pl_gui_test_wait_until (gboolean  (*cond) (gpointer),
                             gpointer    data,
                             const char *what);

typedef struct {
  gboolean (*cond) (PlWindow *);
  PlWindow  *win;
} PlGuiTestWindowCond;

/* For pl_gui_test_wait_for: data is a PlGuiTestWindowCond. */
gboolean pl_gui_test_window_cond_holds (gpointer data);

/* Iterates until cond (win) holds; fails, naming cond, after PL_GUI_TEST_WAIT_SECONDS. */
#define pl_gui_test_wait_for(cond_, win_) \
  pl_gui_test_wait_until (pl_gui_test_window_cond_holds, \
                          &(PlGuiTestWindowCond) { .cond = (cond_), .win = (win_) }, #cond_)

/* Iterates until *weak, a weak pointer added while its object was alive, is NULL: the
 * object is finalized (for a job: its worker has ended and every source it queued has
 * run, so nothing can arrive late any more). */
void pl_gui_test_wait_for_finalize (gpointer   *weak,
                                    const char *what);

/* Drops the caller's ref to object and waits until it is finalized. */
void pl_gui_test_unref_and_wait_for_finalize (GObject    *object,
                                              const char *what);

/* Iterates for ms milliseconds, whatever happens (screenshots only). */
void pl_gui_test_spin (guint ms);

/* Destroys win and waits until it is finalized: nothing may keep a window alive. */
void pl_gui_test_close_window (PlWindow *win);

/* With PL_SCREENSHOT_DIR set, writes win as the PNG name there; otherwise nothing. */
void pl_gui_test_screenshot (PlWindow   *win,
                             const char *name);
/* The same for any toplevel (a dialog). */
void pl_gui_test_screenshot_widget (GtkWidget  *win,
                                    const char *name);

void pl_gui_test_set_text (GtkEditable *entry,
                           const char  *text);
/* The prompts panel's entry for which. */
GtkEditable *pl_gui_test_entry (PlWindow *win,
                                PlText    which);

/* The Michelle Jones / Michelle Smith prompts and their answers " Jones", " Smith". */
void pl_gui_test_set_michelle (PlWindow *win);

/* Writes a random GPT-2 (n_layer layers, 2 heads, 32 wide, 64 positions, then the
 * generator's further arguments, NULL-terminated) to dir with $PL_GEN_MODEL, run by
 * $PL_PYTHON3 (default /usr/bin/python3); fails the test if it fails. */
void pl_gui_test_gen_model (const char *dir,
                            const char *n_layer,
                            ...) G_GNUC_NULL_TERMINATED;

/* Conditions for pl_gui_test_wait_for. */
gboolean pl_gui_test_not_loading (PlWindow *win);   /* no model load running */
gboolean pl_gui_test_not_busy    (PlWindow *win);   /* no load, sweep or open running */

/* What the user's Ctrl+Return does: win.run; fails unless it was enabled. */
void pl_gui_test_run (PlWindow *win);

/* Loads the model folder dir into win and waits for it; fails unless it loaded. */
PlWindow *pl_gui_test_with_model (PlWindow   *win,
                                  const char *dir);

/* The Michelle prompts typed, Run, and waited for: the document then holds a result. */
void pl_gui_test_sweep_michelle (PlWindow *win);

/* For pl_gui_test_wait_for: the Patched table shows a clicked cell's top-k. */
gboolean pl_gui_test_has_cell_topk (PlWindow *win);

/* Activates the window action name (no parameter) and fails unless it is enabled. */
void pl_gui_test_activate (PlWindow   *win,
                           const char *name);

/* How many AdwMessageDialogs are shown over win. */
int pl_gui_test_count_dialogs (PlWindow *win);

/* The AdwMessageDialog shown over win, or NULL. */
AdwMessageDialog *pl_gui_test_find_dialog (PlWindow *win);

/* Answers the dialog with response, as a click on its button does. */
void pl_gui_test_respond (AdwMessageDialog *dialog,
                          const char       *response);

/* The heatmap as its own controllers see it: the middle of cell (row, col) in the
 * view's coordinates; the view's controller of type; a click (press and release without
 * moving) on a cell; a key press, TRUE when the view handled it. */
void                pl_gui_test_cell_center     (PlWindow *win,
                                                 int       row,
                                                 int       col,
                                                 double   *x,
                                                 double   *y);
GtkEventController *pl_gui_test_view_controller (PlWindow *win,
                                                 GType     type);
void                pl_gui_test_click_cell      (PlWindow *win,
                                                 int       row,
                                                 int       col);
gboolean            pl_gui_test_press_key       (PlWindow *win,
                                                 guint     keyval);

G_END_DECLS
