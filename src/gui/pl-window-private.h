/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-window-private.h: what the files that make PlWindow share (pl-window.c and
 * pl-window-{file,model,sweep,topk,export,actions,pairs}.c, one concern each). The window
 * holds the document, the model and the jobs, and shows what belongs to no panel: the
 * header, the status pages and the download. Each panel (PlPromptsPanel, PlRunBar,
 * PlHeatmapPane, PlNexttokenPane, PlModelButton) owns its widgets and state.
 */
#pragma once

#include "pl-window.h"

#include "pl-attribution-view.h"
#include "pl-document.h"
#include "pl-download-job.h"
#include "pl-error.h"
#include "pl-heatmap-pane.h"
#include "pl-lens-view.h"
#include "pl-model-button.h"
#include "pl-model-loader.h"
#include "pl-nexttoken-pane.h"
#include "pl-pairs-panel.h"
#include "pl-prompts-panel.h"
#include "pl-run-bar.h"
#include "pl-sweep-job.h"

G_BEGIN_DECLS

struct _PlWindow {
  AdwApplicationWindow parent_instance;

  /* Template children: the panels, and what the window itself shows. */
  PlPromptsPanel  *prompts_panel;
  PlHeatmapPane   *heatmap_pane;
  PlNexttokenPane *nexttoken_pane;
  AdwToastOverlay *toast_overlay;
  AdwWindowTitle  *window_title;
  PlModelButton   *model_button;
  PlRunBar        *run_bar;
  GtkStack        *center_stack;
  AdwStatusPage   *no_model_page;
  GtkLabel        *searched_label;
  GtkButton       *download_button;
  GtkBox          *download_box;
  GtkProgressBar  *download_bar;
  GtkLabel        *download_label;
  GtkBox          *download_banner;   /* download_box's place when the status page is hidden */
  GtkPaned        *outer_paned;
  GtkRevealer     *topk_revealer;
  GMenu           *recent_section;
  GMenu           *presets_section;
  PlPairsPanel    *pairs_panel;       /* the Pairs mode's table (pl-window-pairs.c) */
  gboolean         pairs_wide;        /* the left column widened for it */
  AdwViewStack    *view_stack;        /* the pages: Patching, Logit Lens, Attribution */
  PlLensView      *lens_view;
  PlAttributionView *attribution_view;

  /* State. */
  PlDocument      *document;          /* what the user works on */
  GSettings       *settings;          /* NULL when the schema is not installed */
  PlTokenizer     *default_tokenizer; /* for typing before a model is loaded */
  PlLoadedModel   *model;
  char            *model_reference;   /* what loaded it: a family name, or a folder */
  GCancellable    *model_cancellable; /* every load; cancelled when the window goes */
  int              model_loads;       /* loads still running */
  guint            model_load_seq;    /* the newest load started, and the one shown: */
  guint            model_shown_seq;   /* an older load finishing late is dropped */
  gboolean         model_loading;     /* model_loads > 0 */
  PlDownloadJob   *download;
  PlSweepJob      *job;               /* the running sweep, if any */
  PlLoadedModel   *result_model;      /* the model that made the result (NULL: a file) */
  guint            topk_timeout;      /* debounce of the unpatched top-k */
  GCancellable    *topk_cancellable;
  GCancellable    *open_cancellable;  /* an experiment being read */
  gboolean         presentation;
  gboolean         topk_before_presentation;   /* the tables' visibility to restore */
  int              paned_before_presentation;
  char           **undo_texts;        /* the four texts an example replaced */
  gboolean         close_confirmed;   /* the unsaved question was answered */
  GtkWidget       *close_question;    /* that question while it is shown (weak) */
  PlWindowChooser  chooser;           /* tests: instead of the file dialogs */
  gpointer         chooser_data;
};

/* pl-window.c */
PlTokenizer   *pl_window_tokenizer       (PlWindow    *self);
void           pl_window_toast           (PlWindow    *self,
                                          const char  *message);
void           pl_window_show_error      (PlWindow    *self,
                                          const char  *heading,
                                          const GError *error);

/* pl-window-topk.c: the unpatched tables, debounced, on a worker. */
void           pl_window_schedule_topk   (PlWindow    *self);
void           pl_window_stop_topk       (PlWindow    *self);

/* pl-window-model.c */
int            pl_window_model_n_ctx     (PlWindow    *self);   /* 0 without a model */
void           pl_window_show_center_page (PlWindow   *self);
void           pl_window_update_model_labels (PlWindow *self);
void           pl_window_update_searched_label (PlWindow     *self,
                                                const GError *error);
void           pl_window_start_download  (PlWindow    *self);
void           pl_window_cancel_download (PlWindow    *self);
void           pl_window_end_download    (PlWindow    *self);   /* quietly */
void           pl_window_connect_model_button (PlWindow *self);   /* once, from init */

/* pl-window-sweep.c */
void           pl_window_cancel          (PlWindow    *self);
void           pl_window_end_job         (PlWindow    *self);   /* quietly */
void           pl_window_show_result     (PlWindow    *self);   /* the document's */
void           pl_window_connect_panels  (PlWindow    *self);

/* pl-window-file.c: experiments, the title, the unsaved question. */
/* The chooser's answer, or NULL when the dialog must be shown. */
gboolean       pl_window_ask_chooser     (PlWindow    *self,
                                          const char  *purpose,
                                          char       **path);
void           pl_window_add_file_actions (PlWindow   *self);
void           pl_window_update_title    (PlWindow    *self);
void           pl_window_update_recent_menu (PlWindow *self);
/* TRUE when the window may close now; otherwise asks and closes (or not) later. */
gboolean       pl_window_confirm_close   (PlWindow    *self);

/* pl-window-export.c */
void           pl_window_add_export_actions (PlWindow *self);
/* File dialogs: a modal save dialog with a suggested name; a filter whose "ext" is
 * added to a typed name that has none of exts (NULL-terminated, lower case). */
GtkFileChooserNative *pl_window_save_chooser_new (PlWindow   *self,
                                                  const char *title,
                                                  const char *name);
GtkFileFilter *pl_window_file_filter_new (const char  *name,
                                          const char  *pattern);
void           pl_window_chooser_add_filter (GtkFileChooser *chooser,
                                             const char     *name,
                                             const char     *pattern,
                                             const char     *ext);
char          *pl_window_chosen_path     (GtkFileChooser     *chooser,
                                          const char * const *exts);
void           pl_window_toast_saved     (PlWindow    *self,
                                          const char  *path);

/* pl-window-analysis.c: the Logit Lens and Attribution pages. */
void           pl_window_analysis_init   (PlWindow    *self);   /* once, from init */
void           pl_window_analysis_set_model (PlWindow *self);   /* self->model changed */
/* The analysis page shown, or NULL on the Patching page. */
GtkWidget     *pl_window_analysis_page   (PlWindow    *self);
/* The exports of the page shown, and its files' suggested name ("lens.png"). */
gboolean       pl_window_analysis_export_figure (PlWindow   *self,
                                                 const char *path,
                                                 double      scale,
                                                 GError    **error);
gboolean       pl_window_analysis_export_data (PlWindow   *self,
                                               const char *path,
                                               GError    **error);
const char    *pl_window_analysis_file_name (PlWindow   *self,
                                             gboolean    figure);

/* pl-window-actions.c */
void           pl_window_setup_actions   (PlWindow    *self);
void           pl_window_update_actions  (PlWindow    *self);

/* pl-window-pairs.c: the Pairs mode. */
void           pl_window_setup_pairs     (PlWindow    *self);   /* once, from init */
gboolean       pl_window_pairs_mode      (PlWindow    *self);
/* The current mode's inputs can run (the set checked, or the pair). */
gboolean       pl_window_inputs_ready    (PlWindow    *self);
/* The current mode's result exists (to export). */
gboolean       pl_window_has_shown_result (PlWindow   *self);
gboolean       pl_window_run_set         (PlWindow    *self);
void           pl_window_show_set_result (PlWindow    *self);
gboolean       pl_window_open_pairs      (PlWindow    *self,
                                          const char  *path,
                                          GError     **error);
/* FALSE, with the error every Export gives, when result is NULL (pl-window-export.c). */
gboolean       pl_window_has_result_to_export (gconstpointer   result,
                                               GError        **error);
/* The figure hm (taken; NULL: no result yet) to path in the user's colours: the
 * single pair's and the set's Export Figure (pl-window-export.c). */
gboolean       pl_window_export_heatmap  (PlWindow   *self,
                                          PlHeatmap  *hm,
                                          const char *path,
                                          double      scale,
                                          GError    **error);
gboolean       pl_window_export_set_figure_to (PlWindow   *self,
                                               const char *path,
                                               double      scale,
                                               GError    **error);
gboolean       pl_window_export_set_data_to (PlWindow   *self,
                                             const char *path,
                                             GError    **error);

G_END_DECLS
