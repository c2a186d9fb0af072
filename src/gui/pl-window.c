/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-window.c: the main window's core: the type, its template, settings, life
 * (close, dispose), toasts and error dialogs, the site and metric. The rest, by concern:
 *   pl-window-inputs.c   validation as the user types, suggestions, unpatched top-k
 *   pl-window-model.c    loading the model, the status page, the download
 *   pl-window-sweep.c    run, progress, cancel, the result, hover and click
 *   pl-window-export.c   the figure and data exports and the file dialogs' helpers
 *   pl-window-actions.c  the actions: experiments, presets, zoom, presentation, …
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

/* ---- site and metric ---- */

PlSite
pl_window_get_site (PlWindow *self)
{
  return (PlSite) gtk_drop_down_get_selected (self->site_dropdown);
}

PlMetric
pl_window_get_metric (PlWindow *self)
{
  return (PlMetric) gtk_drop_down_get_selected (self->metric_dropdown);
}

void
pl_window_set_site (PlWindow *self,
                    PlSite    site)
{
  gtk_drop_down_set_selected (self->site_dropdown, site);
}

void
pl_window_set_metric (PlWindow *self,
                      PlMetric  metric)
{
  gtk_drop_down_set_selected (self->metric_dropdown, metric);
}

static void
on_options_changed (PlWindow *self)
{
  if (self->settings == NULL)
    return;
  g_settings_set_string (self->settings, "site", pl_site_to_string (pl_window_get_site (self)));
  g_settings_set_string (self->settings, "metric",
                         pl_metric_to_string (pl_window_get_metric (self)));
}

/* ---- settings and window life ---- */

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

static void
restore_settings (PlWindow *self)
{
  g_autofree char *site = NULL, *metric = NULL;
  PlSite s;
  PlMetric m;

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
  gtk_spin_button_set_value (self->topk_spin, g_settings_get_int (self->settings, "top-k"));
  site = g_settings_get_string (self->settings, "site");
  metric = g_settings_get_string (self->settings, "metric");
  if (pl_site_from_string (site, &s))
    pl_window_set_site (self, s);
  if (pl_metric_from_string (metric, &m))
    pl_window_set_metric (self, m);
}

static gboolean
pl_window_close_request (GtkWindow *window)
{
  PlWindow *self = PL_WINDOW (window);

  if (self->settings != NULL)
    {
      int w, h;

      gtk_window_get_default_size (window, &w, &h);
      g_settings_set_boolean (self->settings, "window-maximized",
                              gtk_window_is_maximized (window));
      if (!gtk_window_is_maximized (window) && !gtk_window_is_fullscreen (window))
        {
          g_settings_set_int (self->settings, "window-width", w);
          g_settings_set_int (self->settings, "window-height", h);
        }
    }
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
  cancel_and_clear (&self->model_cancellable);
  cancel_and_clear (&self->topk_cancellable);
  cancel_and_clear (&self->cell_cancellable);
  g_clear_handle_id (&self->topk_timeout, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), PL_TYPE_WINDOW);
  G_OBJECT_CLASS (pl_window_parent_class)->dispose (object);
}

static void
pl_window_finalize (GObject *object)
{
  PlWindow *self = PL_WINDOW (object);

  g_clear_object (&self->settings);
  g_clear_pointer (&self->default_tokenizer, pl_tokenizer_free);
  g_clear_pointer (&self->model, pl_loaded_model_unref);
  g_clear_pointer (&self->result, pl_shared_result_unref);
  g_clear_pointer (&self->result_model, pl_loaded_model_unref);
  g_clear_pointer (&self->inputs, pl_inputs_free);
  g_free (self->matrix);
  g_strfreev (self->col_labels);
  g_free (self->experiment_path);
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

  g_type_ensure (PL_TYPE_TOKEN_STRIP);
  g_type_ensure (PL_TYPE_TOPK_TABLE);
  g_type_ensure (PL_TYPE_HEATMAP_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/patchlens/Patchlens/pl-window.ui");
  BIND (toast_overlay); BIND (window_title); BIND (model_button);
  BIND (model_button_label); BIND (model_name_label); BIND (model_size_label);
  BIND (model_path_label); BIND (model_spinner); BIND (main_menu_button);
  BIND (clean_entry); BIND (corrupted_entry); BIND (clean_strip); BIND (corrupted_strip);
  BIND (validation_box); BIND (validation_icon); BIND (validation_label);
  BIND (clean_answer_entry); BIND (corrupted_answer_entry);
  BIND (clean_answer_status); BIND (corrupted_answer_status); BIND (suggestion_box);
  BIND (site_dropdown); BIND (metric_dropdown); BIND (run_button); BIND (cancel_button);
  BIND (progress_revealer); BIND (progress_bar); BIND (progress_label);
  BIND (center_stack); BIND (no_model_page); BIND (searched_label); BIND (download_button);
  BIND (download_box); BIND (download_bar); BIND (download_label); BIND (empty_page);
  BIND (download_banner);
  BIND (heatmap_view); BIND (hover_label); BIND (topk_spin); BIND (topk_stack);
  BIND (topk_revealer);
  BIND (recent_section); BIND (presets_section);
  BIND (clean_table); BIND (corrupted_table); BIND (cell_table);
  gtk_widget_class_bind_template_callback_full (widget_class, "on_text_changed",
                                                G_CALLBACK (pl_window_on_text_changed));
  gtk_widget_class_bind_template_callback (widget_class, on_options_changed);
  gtk_widget_class_bind_template_callback_full (widget_class, "on_topk_changed",
                                                G_CALLBACK (pl_window_on_topk_changed));
}

static void
pl_window_init (PlWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->sel_layer = self->sel_pos = -1;
  self->settings = settings_if_installed ();
  restore_settings (self);

  pl_topk_table_set_placeholder (self->clean_table,
                                 _("The clean run's next tokens appear here once a model is loaded and the prompt is typed."));
  pl_topk_table_set_placeholder (self->corrupted_table,
                                 _("The corrupted run's next tokens appear here once a model is loaded and the prompt is typed."));
  pl_topk_table_set_placeholder (self->cell_table,
                                 _("Click a cell of the heatmap to see the next tokens of that patched run."));
  pl_topk_table_set_caption (self->clean_table, _("Clean run: the most likely next tokens"));
  pl_topk_table_set_caption (self->corrupted_table,
                             _("Corrupted run: the most likely next tokens"));
  pl_window_connect_heatmap (self);

  pl_window_setup_actions (self);
  pl_window_update_searched_label (self, NULL);
  pl_window_update_model_labels (self);
  pl_window_show_center_page (self);
  pl_window_validate (self);
}

PlWindow *
pl_window_new (GtkApplication *app)
{
  return g_object_new (PL_TYPE_WINDOW, "application", app, NULL);
}
