/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-window-actions.c: the window's other actions: model folder and download, zoom,
 * presentation mode, the next-token pane, colours, a toast for the panels. The file
 * actions are in pl-window-file.c, the exports in pl-window-export.c, Run and Cancel in
 * pl-window-sweep.c.
 */
#include "config.h"

#include "pl-window-private.h"

#include <glib/gi18n.h>

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

/* The zoom acts on the figure of the page shown: its PlHeatmapView, or NULL on the
 * Attribution page, whose figure is not a heatmap view and zooms by itself. */
static PlHeatmapView *
shown_heatmap_view (PlWindow *self)
{
  GtkWidget *page = pl_window_analysis_page (self);

  if (page == GTK_WIDGET (self->lens_view))
    return PL_HEATMAP_VIEW (pl_lens_view_get_heatmap_view (self->lens_view));
  if (page == GTK_WIDGET (self->attribution_view))
    return NULL;
  return pl_heatmap_pane_get_view (self->heatmap_pane);
}

static void
zoom_in (GSimpleAction *action, GVariant *param, gpointer data)
{
  PlHeatmapView *view = shown_heatmap_view (data);

  if (view != NULL)
    pl_heatmap_view_zoom_in (view);
  else
    pl_attribution_view_zoom_in (PL_WINDOW (data)->attribution_view);
}

static void
zoom_out (GSimpleAction *action, GVariant *param, gpointer data)
{
  PlHeatmapView *view = shown_heatmap_view (data);

  if (view != NULL)
    pl_heatmap_view_zoom_out (view);
  else
    pl_attribution_view_zoom_out (PL_WINDOW (data)->attribution_view);
}

static void
zoom_fit (GSimpleAction *action, GVariant *param, gpointer data)
{
  PlHeatmapView *view = shown_heatmap_view (data);

  if (view != NULL)
    pl_heatmap_view_zoom_fit (view);
  else
    pl_attribution_view_zoom_fit (PL_WINDOW (data)->attribution_view);
}

static void
set_presentation (PlWindow *self,
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
      /* The larger text widens the prompts panel; it returns to its width after. */
      self->paned_before_presentation = gtk_paned_get_position (self->outer_paned);
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self), "presentation");
      gtk_window_unfullscreen (GTK_WINDOW (self));
      gtk_paned_set_position (self->outer_paned, self->paned_before_presentation);
    }
  g_action_group_change_action_state (G_ACTION_GROUP (self), "show-topk",
                                      g_variant_new_boolean (show_topk));
  pl_heatmap_view_set_font_scale (pl_heatmap_pane_get_view (self->heatmap_pane), on ? 1.6 : 1.0);
  pl_heatmap_view_set_font_scale (PL_HEATMAP_VIEW (pl_lens_view_get_heatmap_view (self->lens_view)),
                                  on ? 1.6 : 1.0);
  pl_attribution_view_set_font_scale (self->attribution_view, on ? 1.6 : 1.0);
}

static void
toggle_presentation (GSimpleAction *action, GVariant *param, gpointer data)
{
  set_presentation (data, !PL_WINDOW (data)->presentation);
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
  pl_heatmap_view_set_colormap (pl_heatmap_pane_get_view (self->heatmap_pane), g_strcmp0 (name, "viridis") == 0
                                ? PL_COLORMAP_VIRIDIS : PL_COLORMAP_DIVERGING);
  if (self->settings != NULL)
    g_settings_set_string (self->settings, "colormap", name);
}

/* For the panels: a toast in the window they are in. */
static void
toast (GSimpleAction *action,
       GVariant      *param,
       gpointer       data)
{
  pl_window_toast (data, g_variant_get_string (param, NULL));
}

static const GActionEntry win_entries[] = {
  { "choose-model", choose_model },
  { "download-model", download_model },
  { "cancel-download", cancel_download },
  { "zoom-in", zoom_in },
  { "zoom-out", zoom_out },
  { "zoom-fit", zoom_fit },
  { "presentation", toggle_presentation, NULL, "false" },
  { "show-topk", NULL, NULL, "true", set_show_topk },
  { "colormap", NULL, "s", "'diverging'", set_colormap },
  { "toast", toast, "s" },
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
  gboolean has_result = pl_window_has_shown_result (self);
  /* The analysis pages' zoom is harmless while they show a status page. */
  gboolean has_figure = pl_window_analysis_page (self) != NULL ||
                        pl_heatmap_pane_has_figure (self->heatmap_pane);

  set_enabled (self, "run", self->model != NULL && !self->model_loading &&
               pl_window_inputs_ready (self));
  set_enabled (self, "cancel", self->job != NULL);
  /* An analysis page says itself why it has nothing to export. */
  set_enabled (self, "export-figure", has_result || pl_window_analysis_page (self));
  set_enabled (self, "export-data", has_result || pl_window_analysis_page (self));
  set_enabled (self, "download-model", self->download == NULL);
  set_enabled (self, "cancel-download", self->download != NULL);
  set_enabled (self, "zoom-in", has_figure);
  set_enabled (self, "zoom-out", has_figure);
  set_enabled (self, "zoom-fit", has_figure);
}

void
pl_window_setup_actions (PlWindow *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), win_entries,
                                   G_N_ELEMENTS (win_entries), self);
  pl_window_add_export_actions (self);
  pl_window_add_file_actions (self);
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
  pl_window_update_actions (self);
}
