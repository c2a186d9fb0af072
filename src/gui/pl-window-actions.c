/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-window-actions.c: the window's actions: experiments (open, save, recent files),
 * presets, model folder and download, run and cancel, zoom, presentation mode, the
 * next-token pane, colours, copying a top-k table. The export actions are in
 * pl-window-export.c.
 */
#include "config.h"

#include "pl-window-private.h"

#include <glib/gi18n.h>

#define RECENT_MAX 8

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

static void
replace_string (char       **slot,
                const char  *value)
{
  g_free (*slot);
  *slot = g_strdup (value);
}

gboolean
pl_window_save_experiment_to (PlWindow   *self,
                              const char *path,
                              GError    **error)
{
  g_autoptr(PlExperiment) e = pl_experiment_new ();
  gboolean ok;

  /* pl_experiment_new fills the strings with "": replace them, do not drop them. */
  replace_string (&e->clean, gtk_editable_get_text (GTK_EDITABLE (self->clean_entry)));
  replace_string (&e->corrupted,
                  gtk_editable_get_text (GTK_EDITABLE (self->corrupted_entry)));
  replace_string (&e->clean_answer,
                  gtk_editable_get_text (GTK_EDITABLE (self->clean_answer_entry)));
  replace_string (&e->corrupted_answer,
                  gtk_editable_get_text (GTK_EDITABLE (self->corrupted_answer_entry)));
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
  GtkFileFilter *f = pl_window_file_filter_new (_("Patchlens experiments"), "*.patchlens");

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
      (path = pl_window_chosen_path (GTK_FILE_CHOOSER (native), exts)) != NULL)
    {
      if (pl_window_save_experiment_to (self, path, &error))
        pl_window_toast_saved (self, path);
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
  GtkFileChooserNative *native = pl_window_save_chooser_new (self, _("Save the Experiment"),
                                                   "experiment.patchlens");

  pl_window_chooser_add_filter (GTK_FILE_CHOOSER (native), _("Patchlens experiments"), "*.patchlens",
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
    pl_window_toast_saved (self, self->experiment_path);
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
  gboolean show_topk = self->topk_before_presentation;

  if (on == self->presentation)
    return;
  self->presentation = on;
  g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_boolean (on));
  if (on)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self), "presentation");
      gtk_window_fullscreen (GTK_WINDOW (self));
      /* The figure is what the room looks at: the tables step aside (F9 brings them
       * back) and return as they were when the presentation ends. */
      self->topk_before_presentation = gtk_revealer_get_reveal_child (self->topk_revealer);
      show_topk = FALSE;
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self), "presentation");
      gtk_window_unfullscreen (GTK_WINDOW (self));
    }
  g_action_group_change_action_state (G_ACTION_GROUP (self), "show-topk",
                                      g_variant_new_boolean (show_topk));
  pl_heatmap_view_set_font_scale (self->heatmap_view, on ? 1.6 : 1.0);
}

static void
toggle_presentation (GSimpleAction *action, GVariant *param, gpointer data)
{
  pl_window_set_presentation (data, !PL_WINDOW (data)->presentation);
}

/* The next-token tables can be hidden to give a wide heatmap (many positions) room. */
static void
set_show_topk (GSimpleAction *action,
               GVariant      *value,
               gpointer       data)
{
  PlWindow *self = data;

  g_simple_action_set_state (action, value);
  gtk_revealer_set_reveal_child (self->topk_revealer, g_variant_get_boolean (value));
  /* Presentation mode hides the pane for the room, not as the user's choice. */
  if (self->settings != NULL && !self->presentation)
    g_settings_set_boolean (self->settings, "show-topk", g_variant_get_boolean (value));
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
  { "show-topk", NULL, NULL, "true", set_show_topk },
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
  pl_window_add_export_actions (self);
  if (self->settings != NULL)
    {
      g_autofree char *cmap = g_settings_get_string (self->settings, "colormap");
      g_action_group_change_action_state (G_ACTION_GROUP (self), "colormap",
                                          g_variant_new_string (cmap));
      g_action_group_change_action_state (G_ACTION_GROUP (self), "show-topk",
                                          g_variant_new_boolean (
                                            g_settings_get_boolean (self->settings,
                                                                    "show-topk")));
    }
  fill_presets_menu (self);
  pl_window_update_recent_menu (self);
  g_signal_connect_object (gtk_recent_manager_get_default (), "changed",
                           G_CALLBACK (on_recent_changed), self, 0);
  pl_window_update_actions (self);
}
