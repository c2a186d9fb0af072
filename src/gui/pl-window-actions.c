/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-window-actions.c: the window's actions: experiments (open, save, recent files,
 * presets), export of the figure and the data, model folder and download, presentation
 * mode, zoom, colours, copying a top-k table.
 */
#include "config.h"

#include "pl-window-private.h"

#include <glib/gi18n.h>

#include "pl-heatmap.h"
#include "pl-result-io.h"

#define RECENT_MAX 8

/* ---- the figure and the data ---- */

gboolean
pl_window_export_figure_to (PlWindow   *self,
                            const char *path,
                            double      scale,
                            GError    **error)
{
  PlSweepResult *r = pl_window_get_result (self);
  g_autoptr(PlHeatmap) hm = NULL;
  PlFigureFormat format;

  if (r == NULL)
    {
      g_set_error_literal (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
                           _("There is no finished sweep to export yet."));
      return FALSE;
    }
  if (!pl_figure_format_from_path (path, &format))
    {
      g_autofree char *base = g_path_get_basename (path);
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
                   _("“%s” does not end in .png, .svg or .pdf."), base);
      return FALSE;
    }
  /* A fresh figure in export colours (black text), not the screen's themed one. */
  hm = pl_heatmap_new_from_result (r);
  pl_heatmap_set_row_title (hm, _("Layer"));
  pl_heatmap_set_col_title (hm, _("Position (token)"));
  if (self->settings != NULL &&
      g_strcmp0 (g_settings_get_string (self->settings, "colormap"), "viridis") == 0)
    pl_heatmap_set_colormap (hm, PL_COLORMAP_VIRIDIS);
  return pl_heatmap_export (hm, format, path, scale, error);
}

gboolean
pl_window_export_data_to (PlWindow   *self,
                          const char *path,
                          GError    **error)
{
  PlSweepResult *r = pl_window_get_result (self);

  if (r == NULL)
    {
      g_set_error_literal (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
                           _("There is no finished sweep to export yet."));
      return FALSE;
    }
  if (g_str_has_suffix (path, ".json") || g_str_has_suffix (path, ".JSON"))
    return pl_result_save_json (r, path, error);
  if (g_str_has_suffix (path, ".csv") || g_str_has_suffix (path, ".CSV"))
    return pl_result_save_csv (r, path, error);
  {
    g_autofree char *base = g_path_get_basename (path);
    g_set_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
                 _("“%s” does not end in .csv or .json."), base);
  }
  return FALSE;
}

static void
toast_saved (PlWindow   *self,
             const char *path)
{
  /* Translators: a toast after saving or exporting; the argument is the file's path */
  g_autofree char *msg = g_strdup_printf (_("Saved %s"), path);

  pl_window_toast (self, msg);
}

static GtkFileFilter *
make_filter (const char *name,
             const char *pattern)
{
  GtkFileFilter *f = gtk_file_filter_new ();

  gtk_file_filter_set_name (f, name);
  gtk_file_filter_add_pattern (f, pattern);
  return f;
}

/* The chosen path, with the extension of the chosen filter added when the name has
 * none of the known ones. */
static char *
chosen_path (GtkFileChooser     *chooser,
             const char * const *exts)
{
  g_autoptr(GFile) file = gtk_file_chooser_get_file (chooser);
  GtkFileFilter *filter = gtk_file_chooser_get_filter (chooser);
  g_autofree char *path = file ? g_file_get_path (file) : NULL;
  g_autofree char *lower = path ? g_ascii_strdown (path, -1) : NULL;
  const char *ext = exts[0];

  if (path == NULL)
    return NULL;
  for (int i = 0; exts[i]; i++)
    if (g_str_has_suffix (lower, exts[i]))
      return g_steal_pointer (&path);
  if (filter != NULL && g_object_get_data (G_OBJECT (filter), "ext"))
    ext = g_object_get_data (G_OBJECT (filter), "ext");
  return g_strconcat (path, ext, NULL);
}

static void
on_export_figure_response (GtkNativeDialog *native,
                           int              response,
                           PlWindow        *self)
{
  static const char *exts[] = { ".png", ".svg", ".pdf", NULL };
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  const char *choice;
  double scale = 2.0;

  if (response == GTK_RESPONSE_ACCEPT &&
      (path = chosen_path (GTK_FILE_CHOOSER (native), exts)) != NULL)
    {
      choice = gtk_file_chooser_get_choice (GTK_FILE_CHOOSER (native), "scale");
      if (choice != NULL)
        scale = g_ascii_strtod (choice, NULL);
      if (self->settings != NULL)
        g_settings_set_double (self->settings, "png-scale", scale);
      if (pl_window_export_figure_to (self, path, scale, &error))
        toast_saved (self, path);
      else
        pl_window_show_error (self, _("Could Not Export the Figure"), error);
    }
  g_object_unref (native);
}

static GtkFileChooserNative *
new_save_chooser (PlWindow   *self,
                  const char *title,
                  const char *name)
{
  GtkFileChooserNative *native = gtk_file_chooser_native_new (title, GTK_WINDOW (self),
      GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), name);
  return native;
}

static void
add_filter (GtkFileChooser *chooser,
            const char     *name,
            const char     *pattern,
            const char     *ext)
{
  GtkFileFilter *f = make_filter (name, pattern);

  g_object_set_data_full (G_OBJECT (f), "ext", g_strdup (ext), g_free);
  gtk_file_chooser_add_filter (chooser, f);
  g_object_unref (f);
}

static void
export_figure (GSimpleAction *action,
               GVariant      *param,
               gpointer       data)
{
  PlWindow *self = data;
  GtkFileChooserNative *native = new_save_chooser (self, _("Export the Figure"),
                                                   "patching.png");
  const char *ids[] = { "1", "2", "3", "4", NULL };
  const char *labels[] = { N_("1× (72 dpi)"), N_("2× (144 dpi)"), N_("3× (216 dpi)"),
                           N_("4× (288 dpi)"), NULL };
  const char *tr[5];
  g_autofree char *current = g_strdup_printf ("%d", self->settings
      ? CLAMP ((int) (g_settings_get_double (self->settings, "png-scale") + 0.5), 1, 4) : 2);

  for (int i = 0; i < 5; i++)
    tr[i] = labels[i] ? _(labels[i]) : NULL;
  add_filter (GTK_FILE_CHOOSER (native), _("PNG image"), "*.png", ".png");
  add_filter (GTK_FILE_CHOOSER (native), _("SVG drawing"), "*.svg", ".svg");
  add_filter (GTK_FILE_CHOOSER (native), _("PDF document"), "*.pdf", ".pdf");
  gtk_file_chooser_add_choice (GTK_FILE_CHOOSER (native), "scale", _("PNG scale"), ids, tr);
  gtk_file_chooser_set_choice (GTK_FILE_CHOOSER (native), "scale", current);
  g_signal_connect (native, "response", G_CALLBACK (on_export_figure_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static void
on_export_data_response (GtkNativeDialog *native,
                         int              response,
                         PlWindow        *self)
{
  static const char *exts[] = { ".csv", ".json", NULL };
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  if (response == GTK_RESPONSE_ACCEPT &&
      (path = chosen_path (GTK_FILE_CHOOSER (native), exts)) != NULL)
    {
      if (pl_window_export_data_to (self, path, &error))
        toast_saved (self, path);
      else
        pl_window_show_error (self, _("Could Not Export the Data"), error);
    }
  g_object_unref (native);
}

static void
export_data (GSimpleAction *action,
             GVariant      *param,
             gpointer       data)
{
  PlWindow *self = data;
  GtkFileChooserNative *native = new_save_chooser (self, _("Export the Data"), "patching.csv");

  add_filter (GTK_FILE_CHOOSER (native), _("CSV table"), "*.csv", ".csv");
  add_filter (GTK_FILE_CHOOSER (native), _("JSON (all results)"), "*.json", ".json");
  g_signal_connect (native, "response", G_CALLBACK (on_export_data_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

/* ---- experiments ---- */

static void
remember_file (PlWindow   *self,
               const char *path)
{
  g_autofree char *uri = g_filename_to_uri (path, NULL, NULL);
  g_autofree char *base = g_path_get_basename (path);

  if (uri != NULL)
    gtk_recent_manager_add_item (gtk_recent_manager_get_default (), uri);
  g_free (self->experiment_path);
  self->experiment_path = g_strdup (path);
  adw_window_title_set_subtitle (self->window_title, base);
}

gboolean
pl_window_save_experiment_to (PlWindow   *self,
                              const char *path,
                              GError    **error)
{
  g_autoptr(PlExperiment) e = pl_experiment_new ();
  gboolean ok;

  e->clean = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->clean_entry)));
  e->corrupted = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->corrupted_entry)));
  e->clean_answer = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->clean_answer_entry)));
  e->corrupted_answer = g_strdup (gtk_editable_get_text (
      GTK_EDITABLE (self->corrupted_answer_entry)));
  e->site = pl_window_get_site (self);
  e->metric = pl_window_get_metric (self);
  e->top_k = gtk_spin_button_get_value_as_int (self->topk_spin);
  if (self->model != NULL)
    e->model = g_strdup (pl_model_path (pl_loaded_model_get (self->model)));
  e->result = pl_window_get_result (self);   /* borrowed for the save */
  ok = pl_experiment_save (e, path, error);
  e->result = NULL;
  if (ok)
    remember_file (self, path);
  return ok;
}

gboolean
pl_window_load_experiment_from (PlWindow   *self,
                                const char *path,
                                GError    **error)
{
  g_autoptr(PlExperiment) e = pl_experiment_load (path, error);

  if (e == NULL)
    return FALSE;
  gtk_editable_set_text (GTK_EDITABLE (self->clean_entry), e->clean ? e->clean : "");
  gtk_editable_set_text (GTK_EDITABLE (self->corrupted_entry), e->corrupted ? e->corrupted : "");
  gtk_editable_set_text (GTK_EDITABLE (self->clean_answer_entry),
                         e->clean_answer ? e->clean_answer : "");
  gtk_editable_set_text (GTK_EDITABLE (self->corrupted_answer_entry),
                         e->corrupted_answer ? e->corrupted_answer : "");
  pl_window_set_site (self, e->site);
  pl_window_set_metric (self, e->metric);
  if (e->top_k > 0)
    gtk_spin_button_set_value (self->topk_spin, e->top_k);
  pl_window_cancel (self);
  pl_window_set_result (self, g_steal_pointer (&e->result));
  if (e->model != NULL && *e->model &&
      (self->model == NULL ||
       (g_strcmp0 (e->model, pl_model_path (pl_loaded_model_get (self->model))) != 0 &&
        g_strcmp0 (e->model, pl_model_name (pl_loaded_model_get (self->model))) != 0)))
    pl_window_load_model (self, e->model);
  remember_file (self, path);
  return TRUE;
}

void
pl_window_open_experiment (PlWindow *self,
                           GFile    *file)
{
  g_autofree char *path = g_file_get_path (file);
  g_autoptr(GError) error = NULL;

  if (path == NULL)
    {
      pl_window_toast (self, _("Only local files can be opened."));
      return;
    }
  if (!pl_window_load_experiment_from (self, path, &error))
    pl_window_show_error (self, _("Could Not Open the Experiment"), error);
}

static void
on_open_response (GtkNativeDialog *native,
                  int              response,
                  PlWindow        *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      if (file != NULL)
        pl_window_open_experiment (self, file);
    }
  g_object_unref (native);
}

static void
open_experiment (GSimpleAction *action,
                 GVariant      *param,
                 gpointer       data)
{
  PlWindow *self = data;
  GtkFileChooserNative *native = gtk_file_chooser_native_new (_("Open an Experiment"),
      GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  GtkFileFilter *f = make_filter (_("Patchlens experiments"), "*.patchlens");

  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), f);
  g_object_unref (f);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect (native, "response", G_CALLBACK (on_open_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static void
on_save_response (GtkNativeDialog *native,
                  int              response,
                  PlWindow        *self)
{
  static const char *exts[] = { ".patchlens", NULL };
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  if (response == GTK_RESPONSE_ACCEPT &&
      (path = chosen_path (GTK_FILE_CHOOSER (native), exts)) != NULL)
    {
      if (pl_window_save_experiment_to (self, path, &error))
        toast_saved (self, path);
      else
        pl_window_show_error (self, _("Could Not Save the Experiment"), error);
    }
  g_object_unref (native);
}

static void
save_experiment_as (GSimpleAction *action,
                    GVariant      *param,
                    gpointer       data)
{
  PlWindow *self = data;
  GtkFileChooserNative *native = new_save_chooser (self, _("Save the Experiment"),
                                                   "experiment.patchlens");

  add_filter (GTK_FILE_CHOOSER (native), _("Patchlens experiments"), "*.patchlens",
              ".patchlens");
  g_signal_connect (native, "response", G_CALLBACK (on_save_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static void
save_experiment (GSimpleAction *action,
                 GVariant      *param,
                 gpointer       data)
{
  PlWindow *self = data;
  g_autoptr(GError) error = NULL;

  if (self->experiment_path == NULL)
    {
      save_experiment_as (action, param, data);
      return;
    }
  if (pl_window_save_experiment_to (self, self->experiment_path, &error))
    toast_saved (self, self->experiment_path);
  else
    pl_window_show_error (self, _("Could Not Save the Experiment"), error);
}

static void
open_recent (GSimpleAction *action,
             GVariant      *param,
             gpointer       data)
{
  g_autoptr(GFile) file = g_file_new_for_uri (g_variant_get_string (param, NULL));

  pl_window_open_experiment (data, file);
}

void
pl_window_update_recent_menu (PlWindow *self)
{
  GList *items = gtk_recent_manager_get_items (gtk_recent_manager_get_default ());
  int n = 0;

  g_menu_remove_all (self->recent_section);
  for (GList *l = items; l != NULL && n < RECENT_MAX; l = l->next)
    {
      const char *uri = gtk_recent_info_get_uri (l->data);
      g_autoptr(GMenuItem) item = NULL;

      if (!g_str_has_suffix (uri, ".patchlens") || !gtk_recent_info_exists (l->data))
        continue;
      item = g_menu_item_new (gtk_recent_info_get_display_name (l->data), NULL);
      g_menu_item_set_action_and_target_value (item, "win.open-recent",
                                               g_variant_new_string (uri));
      g_menu_append_item (self->recent_section, item);
      n++;
    }
  g_list_free_full (items, (GDestroyNotify) gtk_recent_info_unref);
  if (n == 0)
    {
      g_autoptr(GMenuItem) none = g_menu_item_new (_("No Recent Experiments"), "win.none");
      g_menu_append_item (self->recent_section, none);
    }
}

/* ---- presets ---- */

void
pl_window_apply_preset (PlWindow *self,
                        guint     index)
{
  guint n = 0;
  const PlPreset *presets = pl_presets (&n);

  if (index >= n)
    return;
  gtk_editable_set_text (GTK_EDITABLE (self->clean_entry), presets[index].clean);
  gtk_editable_set_text (GTK_EDITABLE (self->corrupted_entry), presets[index].corrupted);
  gtk_editable_set_text (GTK_EDITABLE (self->clean_answer_entry), presets[index].clean_answer);
  gtk_editable_set_text (GTK_EDITABLE (self->corrupted_answer_entry),
                         presets[index].corrupted_answer);
}

static void
apply_preset (GSimpleAction *action,
              GVariant      *param,
              gpointer       data)
{
  pl_window_apply_preset (data, g_variant_get_uint32 (param));
}

static void
fill_presets_menu (PlWindow *self)
{
  guint n = 0;
  const PlPreset *presets = pl_presets (&n);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GMenuItem) item = g_menu_item_new (_(presets[i].name), NULL);

      g_menu_item_set_action_and_target_value (item, "win.preset", g_variant_new_uint32 (i));
      g_menu_append_item (self->presets_section, item);
    }
}

/* ---- model, run, view ---- */

static void
on_model_folder_response (GtkNativeDialog *native,
                          int              response,
                          PlWindow        *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) dir = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      g_autofree char *path = dir ? g_file_get_path (dir) : NULL;

      if (path != NULL)
        pl_window_load_model (self, path);
    }
  g_object_unref (native);
}

static void
choose_model (GSimpleAction *action,
              GVariant      *param,
              gpointer       data)
{
  PlWindow *self = data;
  GtkFileChooserNative *native = gtk_file_chooser_native_new (_("Choose a Model Folder"),
      GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Select"), _("_Cancel"));

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect (native, "response", G_CALLBACK (on_model_folder_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static void
download_model (GSimpleAction *action, GVariant *param, gpointer data)
{
  pl_window_start_download (data);
}

static void
cancel_download (GSimpleAction *action, GVariant *param, gpointer data)
{
  pl_window_cancel_download (data);
}

static void
run (GSimpleAction *action, GVariant *param, gpointer data)
{
  pl_window_run (data);
}

static void
cancel (GSimpleAction *action, GVariant *param, gpointer data)
{
  pl_window_cancel (data);
}

static void
zoom_in (GSimpleAction *action, GVariant *param, gpointer data)
{
  pl_heatmap_view_zoom_in (PL_WINDOW (data)->heatmap_view);
}

static void
zoom_out (GSimpleAction *action, GVariant *param, gpointer data)
{
  pl_heatmap_view_zoom_out (PL_WINDOW (data)->heatmap_view);
}

static void
zoom_fit (GSimpleAction *action, GVariant *param, gpointer data)
{
  pl_heatmap_view_zoom_fit (PL_WINDOW (data)->heatmap_view);
}

void
pl_window_set_presentation (PlWindow *self,
                            gboolean  on)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "presentation");

  self->presentation = on;
  g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_boolean (on));
  if (on)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self), "presentation");
      gtk_window_fullscreen (GTK_WINDOW (self));
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self), "presentation");
      gtk_window_unfullscreen (GTK_WINDOW (self));
    }
  pl_heatmap_view_set_font_scale (self->heatmap_view, on ? 1.6 : 1.0);
}

static void
toggle_presentation (GSimpleAction *action, GVariant *param, gpointer data)
{
  pl_window_set_presentation (data, !PL_WINDOW (data)->presentation);
}

static void
set_colormap (GSimpleAction *action,
              GVariant      *value,
              gpointer       data)
{
  PlWindow *self = data;
  const char *name = g_variant_get_string (value, NULL);

  g_simple_action_set_state (action, value);
  pl_heatmap_view_set_colormap (self->heatmap_view, g_strcmp0 (name, "viridis") == 0
                                ? PL_COLORMAP_VIRIDIS : PL_COLORMAP_DIVERGING);
  if (self->settings != NULL)
    g_settings_set_string (self->settings, "colormap", name);
}

static void
copy_topk (GSimpleAction *action,
           GVariant      *param,
           gpointer       data)
{
  PlWindow *self = data;
  const char *page = gtk_stack_get_visible_child_name (self->topk_stack);
  PlTopkTable *table = PL_TOPK_TABLE (gtk_stack_get_visible_child (self->topk_stack));
  gboolean md = g_strcmp0 (g_variant_get_string (param, NULL), "markdown") == 0;
  g_autofree char *text = md ? pl_topk_table_to_markdown (table) : pl_topk_table_to_csv (table);
  g_autofree char *msg = NULL;

  if (text == NULL)
    {
      pl_window_toast (self, _("This table is empty."));
      return;
    }
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text);
  /* Translators: "Copied the clean table as Markdown" */
  msg = g_strdup_printf (md ? _("Copied the %s table as Markdown") : _("Copied the %s table as CSV"),
                         g_strcmp0 (page, "clean") == 0 ? _("clean")
                         : g_strcmp0 (page, "corrupted") == 0 ? _("corrupted") : _("patched cell"));
  pl_window_toast (self, msg);
}

static const GActionEntry win_entries[] = {
  { "open", open_experiment },
  { "open-recent", open_recent, "s" },
  { "save", save_experiment },
  { "save-as", save_experiment_as },
  { "export-figure", export_figure },
  { "export-data", export_data },
  { "preset", apply_preset, "u" },
  { "choose-model", choose_model },
  { "download-model", download_model },
  { "cancel-download", cancel_download },
  { "run", run },
  { "cancel", cancel },
  { "zoom-in", zoom_in },
  { "zoom-out", zoom_out },
  { "zoom-fit", zoom_fit },
  { "presentation", toggle_presentation, NULL, "false" },
  { "colormap", NULL, "s", "'diverging'", set_colormap },
  { "copy-topk", copy_topk, "s" },
};

static void
set_enabled (PlWindow   *self,
             const char *name,
             gboolean    enabled)
{
  GAction *a = g_action_map_lookup_action (G_ACTION_MAP (self), name);

  if (a != NULL)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (a), enabled);
}

void
pl_window_update_actions (PlWindow *self)
{
  gboolean has_result = pl_window_get_result (self) != NULL;

  set_enabled (self, "run", self->model != NULL && !self->model_loading && self->inputs != NULL);
  set_enabled (self, "cancel", self->job != NULL);
  set_enabled (self, "export-figure", has_result);
  set_enabled (self, "export-data", has_result);
  set_enabled (self, "download-model", self->download == NULL);
  set_enabled (self, "cancel-download", self->download != NULL);
  set_enabled (self, "zoom-in", self->n_rows > 0);
  set_enabled (self, "zoom-out", self->n_rows > 0);
  set_enabled (self, "zoom-fit", self->n_rows > 0);
}

static void
on_recent_changed (GtkRecentManager *manager,
                   PlWindow         *self)
{
  pl_window_update_recent_menu (self);
}

void
pl_window_setup_actions (PlWindow *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), win_entries,
                                   G_N_ELEMENTS (win_entries), self);
  if (self->settings != NULL)
    {
      g_autofree char *cmap = g_settings_get_string (self->settings, "colormap");
      g_action_group_change_action_state (G_ACTION_GROUP (self), "colormap",
                                          g_variant_new_string (cmap));
    }
  fill_presets_menu (self);
  pl_window_update_recent_menu (self);
  g_signal_connect_object (gtk_recent_manager_get_default (), "changed",
                           G_CALLBACK (on_recent_changed), self, 0);
  pl_window_update_actions (self);
}
