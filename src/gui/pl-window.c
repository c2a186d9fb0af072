/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-window.c: the main window's core: the type, its template, the document and its
 * panels, settings, life (close, dispose), toasts and error dialogs. The rest, by concern:
 *   pl-window-file.c     experiments: open (off the main thread), save, the title, the
 *                        unsaved-changes question, examples with Undo
 *   pl-window-model.c    loading the model, the status page, the model menu, the download
 *   pl-window-sweep.c    run, progress, cancel, the result and its stale mark, cells
 *   pl-window-topk.c     the unpatched next-token tables, debounced, on a worker
 *   pl-window-export.c   the figure and data exports and the file dialogs' helpers
 *   pl-window-actions.c  the other actions: zoom, presentation, panes, colours
 *   pl-window-analysis.c the Logit Lens and Attribution pages
 */
#include "config.h"

#include "pl-window-private.h"

#include <glib/gi18n.h>

G_DEFINE_FINAL_TYPE (PlWindow, pl_window, ADW_TYPE_APPLICATION_WINDOW)

/* ---- small helpers ---- */

void
pl_window_toast (PlWindow   *self,
                 const char *message)
{
  AdwToast *toast = adw_toast_new (message);

  adw_toast_set_timeout (toast, 4);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

void
pl_window_show_error (PlWindow     *self,
                      const char   *heading,
                      const GError *error)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading,
                                              error ? error->message : NULL);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

PlTokenizer *
pl_window_tokenizer (PlWindow *self)
{
  if (self->model != NULL)
    return pl_model_tokenizer (pl_loaded_model_get (self->model));
  if (self->default_tokenizer == NULL)
    {
      g_autoptr(GError) error = NULL;

      self->default_tokenizer = pl_tokenizer_new_default (&error);
      if (self->default_tokenizer == NULL)
        g_warning ("No tokenizer: %s", error->message);
    }
  return self->default_tokenizer;
}

PlDocument *
pl_window_get_document (PlWindow *self)
{
  return self->document;
}

gboolean
pl_window_is_loading_model (PlWindow *self)
{
  return self->model_loading;
}

gboolean
pl_window_is_sweeping (PlWindow *self)
{
  return self->job != NULL;
}

gboolean
pl_window_is_opening (PlWindow *self)
{
  return self->open_cancellable != NULL;
}

gboolean
pl_window_has_model (PlWindow *self)
{
  return self->model != NULL;
}

void
pl_window_set_chooser (PlWindow        *self,
                       PlWindowChooser  chooser,
                       gpointer         data)
{
  self->chooser = chooser;
  self->chooser_data = data;
}

/* ---- settings ---- */

static GSettings *
settings_if_installed (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL)
    {
      g_message ("The GSettings schema %s is not installed; settings are not kept.", APP_ID);
      return NULL;
    }
  return g_settings_new (APP_ID);
}

/* The site, metric and k of a new experiment are the last ones used. */
static void
on_options_changed (PlWindow *self)
{
  if (self->settings == NULL)
    return;
  g_settings_set_string (self->settings, "site",
                         pl_site_to_string (pl_document_get_site (self->document)));
  g_settings_set_string (self->settings, "metric",
                         pl_metric_to_string (pl_document_get_metric (self->document)));
  g_settings_set_int (self->settings, "top-k", pl_document_get_top_k (self->document));
  g_settings_set_string (self->settings, "direction",
                         pl_direction_to_string (pl_document_get_direction (self->document)));
  g_settings_set_boolean (self->settings, "by-position",
                          pl_document_get_by_position (self->document));
}

static void
restore_settings (PlWindow *self)
{
  g_autofree char *site = NULL, *metric = NULL, *direction = NULL;
  PlSite s = PL_SITE_RESID_POST;
  PlMetric m = PL_METRIC_LOGIT_DIFF;
  PlDirection d = PL_DIRECTION_DENOISE;

  if (self->settings == NULL)
    {
      gtk_window_set_default_size (GTK_WINDOW (self), 1280, 800);
      return;
    }
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
  site = g_settings_get_string (self->settings, "site");
  metric = g_settings_get_string (self->settings, "metric");
  direction = g_settings_get_string (self->settings, "direction");
  if (!pl_site_from_string (site, &s))
    s = PL_SITE_RESID_POST;
  pl_metric_from_string (metric, &m);
  pl_direction_from_string (direction, &d);
  pl_document_set_defaults (self->document, s, m,
                            MAX (1, g_settings_get_int (self->settings, "top-k")));
  pl_document_set_sweep_defaults (self->document, d,
                                  g_settings_get_boolean (self->settings, "by-position"));
}

static void
save_window_size (PlWindow *self)
{
  GtkWindow *window = GTK_WINDOW (self);
  int w, h;

  if (self->settings == NULL)
    return;
  gtk_window_get_default_size (window, &w, &h);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  if (!gtk_window_is_maximized (window) && !gtk_window_is_fullscreen (window))
    {
      g_settings_set_int (self->settings, "window-width", w);
      g_settings_set_int (self->settings, "window-height", h);
    }
}

/* ---- window life ---- */

static gboolean
pl_window_close_request (GtkWindow *window)
{
  PlWindow *self = PL_WINDOW (window);

  if (!pl_window_confirm_close (self))
    return TRUE;   /* asked; the answer closes the window or not */
  save_window_size (self);
  /* Stop the workers now; their late results are dropped by the jobs. */
  pl_window_end_job (self);
  pl_window_end_download (self);
  return GTK_WINDOW_CLASS (pl_window_parent_class)->close_request (window);
}

static void
cancel_and_clear (GCancellable **c)
{
  if (*c != NULL)
    g_cancellable_cancel (*c);
  g_clear_object (c);
}

static void
pl_window_dispose (GObject *object)
{
  PlWindow *self = PL_WINDOW (object);

  if (self->job != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->job, self);
      pl_sweep_job_cancel (self->job);
      g_clear_object (&self->job);
    }
  if (self->download != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->download, self);
      pl_download_job_cancel (self->download);
      g_clear_object (&self->download);
    }
  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  if (self->close_question != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->close_question),
                                  (gpointer *) &self->close_question);
  cancel_and_clear (&self->model_cancellable);
  cancel_and_clear (&self->open_cancellable);
  pl_window_stop_topk (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), PL_TYPE_WINDOW);
  G_OBJECT_CLASS (pl_window_parent_class)->dispose (object);
}

static void
pl_window_finalize (GObject *object)
{
  PlWindow *self = PL_WINDOW (object);

  g_clear_object (&self->document);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->default_tokenizer, pl_tokenizer_free);
  g_clear_pointer (&self->model, pl_loaded_model_unref);
  g_free (self->model_reference);
  g_strfreev (self->undo_texts);
  g_clear_pointer (&self->result_model, pl_loaded_model_unref);
  G_OBJECT_CLASS (pl_window_parent_class)->finalize (object);
}

#define BIND(name) gtk_widget_class_bind_template_child (widget_class, PlWindow, name)

static void
pl_window_class_init (PlWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pl_window_dispose;
  object_class->finalize = pl_window_finalize;
  GTK_WINDOW_CLASS (klass)->close_request = pl_window_close_request;

  g_type_ensure (PL_TYPE_MODEL_BUTTON);
  g_type_ensure (PL_TYPE_PROMPTS_PANEL);
  g_type_ensure (PL_TYPE_RUN_BAR);
  g_type_ensure (PL_TYPE_HEATMAP_PANE);
  g_type_ensure (PL_TYPE_NEXTTOKEN_PANE);
  g_type_ensure (PL_TYPE_PAIRS_PANEL);
  g_type_ensure (PL_TYPE_LENS_VIEW);
  g_type_ensure (PL_TYPE_ATTRIBUTION_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/patchlens/Patchlens/pl-window.ui");
  BIND (prompts_panel); BIND (heatmap_pane); BIND (nexttoken_pane);
  BIND (toast_overlay); BIND (window_title); BIND (model_button);
  BIND (run_bar);
  BIND (pairs_panel);
  BIND (center_stack); BIND (no_model_page); BIND (searched_label); BIND (download_button);
  BIND (download_box); BIND (download_bar); BIND (download_label); BIND (download_banner);
  BIND (outer_paned); BIND (topk_revealer); BIND (recent_section); BIND (presets_section);
  BIND (view_stack); BIND (lens_view); BIND (attribution_view);
}

static void
pl_window_init (PlWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->document = pl_document_new ();
  self->settings = settings_if_installed ();
  restore_settings (self);
  g_object_bind_property (self->document, "top-k", self->nexttoken_pane, "k",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_signal_connect_swapped (self->document, "notify::site", G_CALLBACK (on_options_changed), self);
  g_signal_connect_swapped (self->document, "notify::metric", G_CALLBACK (on_options_changed), self);
  g_signal_connect_swapped (self->document, "notify::top-k", G_CALLBACK (on_options_changed), self);
  g_signal_connect_swapped (self->document, "notify::direction", G_CALLBACK (on_options_changed), self);
  g_signal_connect_swapped (self->document, "notify::by-position", G_CALLBACK (on_options_changed), self);
  pl_prompts_panel_set_tokenizer (self->prompts_panel, pl_window_tokenizer (self), 0);
  pl_prompts_panel_set_document (self->prompts_panel, self->document);
  pl_window_connect_panels (self);
  pl_window_setup_pairs (self);
  pl_window_connect_model_button (self);
  pl_window_analysis_init (self);

  pl_window_setup_actions (self);
  pl_window_update_searched_label (self, NULL);
  pl_window_update_model_labels (self);
  pl_window_update_title (self);
  pl_window_show_center_page (self);
}

PlWindow *
pl_window_new (GtkApplication *app)
{
  return g_object_new (PL_TYPE_WINDOW, "application", app, NULL);
}
