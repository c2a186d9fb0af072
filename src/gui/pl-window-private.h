/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-window-private.h: PlWindow's state, shared by the files that make the window
 * (pl-window.c and pl-window-{inputs,model,sweep,export,actions}.c, one concern each),
 * and the entry points tests use instead of walking the widget tree.
 */
#pragma once

#include "pl-window.h"

#include "pl-download-job.h"
#include "pl-error.h"
#include "pl-experiment.h"
#include "pl-heatmap-view.h"
#include "pl-model-loader.h"
#include "pl-sweep-job.h"
#include "pl-token-strip.h"
#include "pl-topk-table.h"

G_BEGIN_DECLS

struct _PlWindow {
  AdwApplicationWindow parent_instance;

  /* Template children. */
  AdwToastOverlay *toast_overlay;
  AdwWindowTitle  *window_title;
  GtkMenuButton   *model_button;
  GtkLabel        *model_button_label;
  GtkLabel        *model_name_label;
  GtkLabel        *model_size_label;
  GtkLabel        *model_path_label;
  GtkSpinner      *model_spinner;
  GtkMenuButton   *main_menu_button;
  GtkEntry        *clean_entry;
  GtkEntry        *corrupted_entry;
  PlTokenStrip    *clean_strip;
  PlTokenStrip    *corrupted_strip;
  GtkBox          *validation_box;
  GtkImage        *validation_icon;
  GtkLabel        *validation_label;
  GtkEntry        *clean_answer_entry;
  GtkEntry        *corrupted_answer_entry;
  GtkLabel        *clean_answer_status;
  GtkLabel        *corrupted_answer_status;
  GtkFlowBox      *suggestion_box;
  GtkDropDown     *site_dropdown;
  GtkDropDown     *metric_dropdown;
  GtkButton       *run_button;
  GtkButton       *cancel_button;
  GtkRevealer     *progress_revealer;
  GtkProgressBar  *progress_bar;
  GtkLabel        *progress_label;
  GtkStack        *center_stack;
  AdwStatusPage   *no_model_page;
  GtkLabel        *searched_label;
  GtkButton       *download_button;
  GtkBox          *download_box;
  GtkProgressBar  *download_bar;
  GtkLabel        *download_label;
  GtkBox          *download_banner;   /* download_box's place when the status page is hidden */
  AdwStatusPage   *empty_page;
  PlHeatmapView   *heatmap_view;
  GtkLabel        *hover_label;
  GtkSpinButton   *topk_spin;
  GMenu           *recent_section;
  GMenu           *presets_section;
  GtkRevealer     *topk_revealer;
  GtkStack        *topk_stack;
  PlTopkTable     *clean_table;
  PlTopkTable     *corrupted_table;
  PlTopkTable     *cell_table;

  /* State. */
  GSettings       *settings;          /* NULL when the schema is not installed */
  PlTokenizer     *default_tokenizer; /* for typing before a model is loaded */
  PlLoadedModel   *model;
  GCancellable    *model_cancellable;
  gboolean         model_loading;
  PlDownloadJob   *download;
  PlSweepJob      *job;               /* the running sweep, if any */
  PlSharedResult  *result;            /* the last finished sweep, if any */
  PlLoadedModel   *result_model;      /* the model that made it (NULL if from a file) */
  float           *matrix;            /* (n_rows, n_cols): what the heatmap shows */
  int              n_rows, n_cols;
  char           **col_labels;        /* n_cols pieces of the clean prompt */
  PlInputs        *inputs;            /* the current texts when all four are valid */
  guint            topk_timeout;      /* debounce of the unpatched top-k */
  GCancellable    *topk_cancellable;
  GCancellable    *cell_cancellable;
  int              sel_layer, sel_pos;
  char            *experiment_path;
  gboolean         presentation;
  gboolean         topk_before_presentation;   /* the tables' visibility to restore */
  double           tokenize_ms;       /* the last validation's tokenizing time */
};

/* pl-window.c */
PlTokenizer   *pl_window_tokenizer       (PlWindow    *self);
void           pl_window_toast           (PlWindow    *self,
                                          const char  *message);
void           pl_window_show_error      (PlWindow    *self,
                                          const char  *heading,
                                          const GError *error);
PlSite         pl_window_get_site        (PlWindow    *self);
PlMetric       pl_window_get_metric      (PlWindow    *self);
void           pl_window_set_site        (PlWindow    *self,
                                          PlSite       site);
void           pl_window_set_metric      (PlWindow    *self,
                                          PlMetric     metric);

/* pl-window-inputs.c */
void           pl_window_validate        (PlWindow    *self);
void           pl_window_update_suggestions (PlWindow *self);
void           pl_window_on_text_changed (PlWindow    *self);   /* template callbacks */
void           pl_window_on_topk_changed (PlWindow    *self);

/* pl-window-model.c */
int            pl_window_model_n_ctx     (PlWindow    *self);   /* 0 without a model */
void           pl_window_load_model      (PlWindow    *self,
                                          const char  *name_or_dir);
void           pl_window_show_center_page (PlWindow   *self);
void           pl_window_update_model_labels (PlWindow *self);
void           pl_window_update_searched_label (PlWindow     *self,
                                                const GError *error);
void           pl_window_start_download  (PlWindow    *self);
void           pl_window_cancel_download (PlWindow    *self);
void           pl_window_end_download    (PlWindow    *self);   /* quietly */

/* pl-window-sweep.c */
gboolean       pl_window_run             (PlWindow    *self);
void           pl_window_cancel          (PlWindow    *self);
void           pl_window_end_job         (PlWindow    *self);   /* quietly */
gboolean       pl_window_is_busy         (PlWindow    *self);   /* loading or sweeping */
void           pl_window_set_result      (PlWindow    *self,
                                          PlSweepResult *result); /* takes ownership */
PlSweepResult *pl_window_get_result      (PlWindow    *self);
void           pl_window_select_cell     (PlWindow    *self,
                                          int          layer,
                                          int          pos);
void           pl_window_connect_heatmap (PlWindow    *self);

/* pl-window-export.c */
void           pl_window_add_export_actions (PlWindow *self);
gboolean       pl_window_export_figure_to (PlWindow   *self,
                                           const char *path,
                                           double      scale,
                                           GError    **error);
gboolean       pl_window_export_data_to  (PlWindow    *self,
                                          const char  *path,
                                          GError     **error);
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

/* pl-window-actions.c */
void           pl_window_setup_actions   (PlWindow    *self);
void           pl_window_update_actions  (PlWindow    *self);
void           pl_window_update_recent_menu (PlWindow *self);
gboolean       pl_window_save_experiment_to (PlWindow *self,
                                             const char *path,
                                             GError  **error);
gboolean       pl_window_load_experiment_from (PlWindow *self,
                                               const char *path,
                                               GError  **error);
void           pl_window_apply_preset    (PlWindow    *self,
                                          guint        index);
void           pl_window_set_presentation (PlWindow   *self,
                                           gboolean    on);

G_END_DECLS
