/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-window-export.c: exporting the figure (PNG at a chosen scale, SVG, PDF) and
 * the data (CSV, JSON), their save dialogs and actions, and the file-dialog helpers the
 * experiment dialogs share.
 */
#include "config.h"

#include "pl-window-private.h"

#include <glib/gi18n.h>

#include "pl-heatmap.h"
#include "pl-result-io.h"

/* ---- the figure and the data ---- */

gboolean
pl_window_has_result_to_export (gconstpointer   result,
                                GError        **error)
{
  if (result != NULL)
    return TRUE;
  g_set_error_literal (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
                       _("There is no finished sweep to export yet."));
  return FALSE;
}

gboolean
pl_window_export_heatmap (PlWindow   *self,
                          PlHeatmap  *figure,
                          const char *path,
                          double      scale,
                          GError    **error)
{
  g_autoptr(PlHeatmap) hm = figure;
  g_autofree char *colormap = NULL;
  PlFigureFormat format;

  if (!pl_window_has_result_to_export (hm, error))
    return FALSE;
  if (!pl_figure_format_from_path (path, &format))
    {
      g_autofree char *base = g_path_get_basename (path);
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
                   _("“%s” does not end in .png, .svg or .pdf."), base);
      return FALSE;
    }
  if (self->settings != NULL)
    colormap = g_settings_get_string (self->settings, "colormap");   /* a copy: ours */
  if (g_strcmp0 (colormap, "viridis") == 0)
    pl_heatmap_set_colormap (hm, PL_COLORMAP_VIRIDIS);
  return pl_heatmap_export (hm, format, path, scale, error);
}

gboolean
pl_window_export_figure_to (PlWindow   *self,
                            const char *path,
                            double      scale,
                            GError    **error)
{
  PlSweepResult *r = pl_document_get_result (self->document);
  PlHeatmap *hm = NULL;

  if (pl_window_analysis_page (self) != NULL)
    return pl_window_analysis_export_figure (self, path, scale, error);
  if (pl_window_pairs_mode (self))
    return pl_window_export_set_figure_to (self, path, scale, error);
  if (r != NULL)
    {
      /* A fresh figure in export colours (black text), not the screen's themed one. */
      hm = pl_heatmap_new_from_result (r);
      pl_heatmap_pane_dress (hm, r);
    }
  return pl_window_export_heatmap (self, hm, path, scale, error);
}

gboolean
pl_window_export_data_to (PlWindow   *self,
                          const char *path,
                          GError    **error)
{
  PlSweepResult *r = pl_document_get_result (self->document);
  PlDataFormat format;

  if (pl_window_analysis_page (self) != NULL)
    return pl_window_analysis_export_data (self, path, error);
  if (pl_window_pairs_mode (self))
    return pl_window_export_set_data_to (self, path, error);
  if (!pl_window_has_result_to_export (r, error))
    return FALSE;
  if (!pl_data_format_from_path (path, &format, error))
    return FALSE;
  return format == PL_DATA_JSON ? pl_result_save_json (r, path, error)
                                : pl_result_save_csv (r, path, error);
}

void
pl_window_toast_saved (PlWindow   *self,
             const char *path)
{
  /* Translators: a toast after saving or exporting; the argument is the file's path */
  g_autofree char *msg = g_strdup_printf (_("Saved %s"), path);

  pl_window_toast (self, msg);
}

GtkFileFilter *
pl_window_file_filter_new (const char *name,
             const char *pattern)
{
  GtkFileFilter *f = gtk_file_filter_new ();

  gtk_file_filter_set_name (f, name);
  gtk_file_filter_add_pattern (f, pattern);
  return f;
}

/* The chosen path, with the extension of the chosen filter added when the name has
 * none of the known ones. */
char *
pl_window_chosen_path (GtkFileChooser     *chooser,
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

/* The test seam's answer, exported as the dialog's would be; FALSE: show the dialog. */
static gboolean
export_to_chooser (PlWindow   *self,
                   const char *purpose)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  gboolean figure = g_str_equal (purpose, "export-figure");

  if (!pl_window_ask_chooser (self, purpose, &path))
    return FALSE;
  if (path == NULL)
    return TRUE;   /* Cancel */
  if (figure ? pl_window_export_figure_to (self, path, self->settings
                                           ? g_settings_get_double (self->settings,
                                                                    "png-scale") : 2.0,
                                           &error)
             : pl_window_export_data_to (self, path, &error))
    pl_window_toast_saved (self, path);
  else
    pl_window_show_error (self, figure ? _("Could Not Export the Figure")
                                       : _("Could Not Export the Data"), error);
  return TRUE;
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
      (path = pl_window_chosen_path (GTK_FILE_CHOOSER (native), exts)) != NULL)
    {
      choice = gtk_file_chooser_get_choice (GTK_FILE_CHOOSER (native), "scale");
      if (choice != NULL)
        scale = g_ascii_strtod (choice, NULL);
      if (self->settings != NULL)
        g_settings_set_double (self->settings, "png-scale", scale);
      if (pl_window_export_figure_to (self, path, scale, &error))
        pl_window_toast_saved (self, path);
      else
        pl_window_show_error (self, _("Could Not Export the Figure"), error);
    }
  g_object_unref (native);
}

GtkFileChooserNative *
pl_window_save_chooser_new (PlWindow   *self,
                  const char *title,
                  const char *name)
{
  GtkFileChooserNative *native = gtk_file_chooser_native_new (title, GTK_WINDOW (self),
      GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), name);
  return native;
}

void
pl_window_chooser_add_filter (GtkFileChooser *chooser,
            const char     *name,
            const char     *pattern,
            const char     *ext)
{
  GtkFileFilter *f = pl_window_file_filter_new (name, pattern);

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
  GtkFileChooserNative *native;
  static const char *all_ids[] = { "1", "2", "3", "4" };
  static const char *labels[] = { N_("1× (72 dpi)"), N_("2× (144 dpi)"), N_("3× (216 dpi)"),
                                   N_("4× (288 dpi)") };
  const char *ids[5] = { NULL }, *tr[5] = { NULL };
  int current = self->settings
      ? CLAMP ((int) (g_settings_get_double (self->settings, "png-scale") + 0.5), 1, 4) : 2;

  if (export_to_chooser (self, "export-figure"))
    return;
  native = pl_window_save_chooser_new (self, _("Export the Figure"),
                                       pl_window_analysis_file_name (self, TRUE));
  /* The remembered scale comes first: GTK 4.8's own file chooser ignores
   * gtk_file_chooser_set_choice and always shows the first option. */
  for (int i = 0; i < 4; i++)
    {
      int k = i == 0 ? current - 1 : (i < current ? i - 1 : i);   /* 2: 2, 1, 3, 4 */

      ids[i] = all_ids[k];
      tr[i] = _(labels[k]);
    }
  pl_window_chooser_add_filter (GTK_FILE_CHOOSER (native), _("PNG image"), "*.png", ".png");
  pl_window_chooser_add_filter (GTK_FILE_CHOOSER (native), _("SVG drawing"), "*.svg", ".svg");
  pl_window_chooser_add_filter (GTK_FILE_CHOOSER (native), _("PDF document"), "*.pdf", ".pdf");
  gtk_file_chooser_add_choice (GTK_FILE_CHOOSER (native), "scale", _("PNG scale"), ids, tr);
  gtk_file_chooser_set_choice (GTK_FILE_CHOOSER (native), "scale", all_ids[current - 1]);
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
      (path = pl_window_chosen_path (GTK_FILE_CHOOSER (native), exts)) != NULL)
    {
      if (pl_window_export_data_to (self, path, &error))
        pl_window_toast_saved (self, path);
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
  GtkFileChooserNative *native;

  if (export_to_chooser (self, "export-data"))
    return;
  native = pl_window_save_chooser_new (self, _("Export the Data"),
                                       pl_window_analysis_file_name (self, FALSE));

  pl_window_chooser_add_filter (GTK_FILE_CHOOSER (native), _("CSV table"), "*.csv", ".csv");
  pl_window_chooser_add_filter (GTK_FILE_CHOOSER (native), _("JSON (all results)"), "*.json", ".json");
  g_signal_connect (native, "response", G_CALLBACK (on_export_data_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static const GActionEntry export_entries[] = {
  { "export-figure", export_figure },
  { "export-data", export_data },
};

void
pl_window_add_export_actions (PlWindow *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), export_entries,
                                   G_N_ELEMENTS (export_entries), self);
}
