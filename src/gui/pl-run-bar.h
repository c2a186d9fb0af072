/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-run-bar.h: the bar under the prompts: Run (win.run), Cancel (win.cancel) while a
 * sweep runs, and the sweep's progress: cells done of all, and the time left once it
 * can be estimated.
 *
 *   pl_run_bar_start (bar);
 *   pl_run_bar_progress (bar, done, total, elapsed_seconds);
 *   pl_run_bar_stop (bar);
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PL_TYPE_RUN_BAR (pl_run_bar_get_type ())
G_DECLARE_FINAL_TYPE (PlRunBar, pl_run_bar, PL, RUN_BAR, GtkWidget)

void        pl_run_bar_start       (PlRunBar *self);
void        pl_run_bar_progress    (PlRunBar *self,
                                    int       done,
                                    int       total,
                                    double    elapsed);
void        pl_run_bar_stop        (PlRunBar *self);
gboolean    pl_run_bar_is_running  (PlRunBar *self);   /* Cancel and the progress shown */

/* "3 / 33 cells · estimating the time left", "30 / 33 cells · less than a second left". */
char       *pl_run_bar_describe    (int       done,
                                    int       total,
                                    double    elapsed);
const char *pl_run_bar_get_text    (PlRunBar *self);

G_END_DECLS
