/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-window-pairs.c: the Pairs mode: the mode switch, the table's actions (add, remove,
 * paste, open, save, the shipped sets, the template dialog), the sweep over the set on
 * the sweep job, its result in the heatmap (mean, std, the pairs' own values) and its
 * exports, written as the CLI writes them.
 */
#include "config.h"

#include "pl-window-private.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pl-data.h"
#include "pl-pair-row.h"
#include "pl-read-file.h"
#include "pl-sweep-set-io.h"
#include "pl-template-dialog.h"
#include "pl-write-file.h"

/* How much wider the left column is in the Pairs mode: room for the table's columns. */
#define PAIRS_EXTRA_WIDTH 120

/* A set file is text; 64 MiB is far more than PL_PAIR_SET_MAX_TOKENS tokens of it. */
#define MAX_SET_FILE (64 * 1024 * 1024)

gboolean
pl_window_pairs_mode (PlWindow *self)
{
  return pl_document_get_mode (self->document) == PL_DOCUMENT_PAIRS;
}

gboolean
pl_window_inputs_ready (PlWindow *self)
{
  if (pl_window_pairs_mode (self))
    return pl_pairs_panel_get_set (self->pairs_panel) != NULL;
  return pl_prompts_panel_get_inputs (self->prompts_panel) != NULL;
}

gboolean
pl_window_has_shown_result (PlWindow *self)
{
  if (pl_window_pairs_mode (self))
    return pl_document_get_set_result (self->document) != NULL;
  return pl_document_get_result (self->document) != NULL;
}

/* ---- the mode ---- */

/* The empty page's advice for the mode (the single pair's is the .ui's). */
static void
update_empty_page (PlWindow *self,
                   gboolean  pairs)
{
  GtkWidget *page = gtk_stack_get_child_by_name (self->center_stack, "empty");
  const char *single = page ? g_object_get_data (G_OBJECT (page), "single-description") : NULL;

  if (page == NULL || !ADW_IS_STATUS_PAGE (page))
    return;
  if (single == NULL)
    {
      single = adw_status_page_get_description (ADW_STATUS_PAGE (page));
      g_object_set_data_full (G_OBJECT (page), "single-description", g_strdup (single), g_free);
      single = g_object_get_data (G_OBJECT (page), "single-description");
    }
  adw_status_page_set_description (ADW_STATUS_PAGE (page), pairs
      ? _("Fill the table with pairs whose prompts all have the same number of tokens: "
          "open a set, load a shipped one, paste or make them from a template. Then press "
          "Run (Ctrl+Return) for their mean.")
      : single);
}

static void
apply_mode (PlWindow *self)
{
  gboolean pairs = pl_window_pairs_mode (self);

  g_action_group_change_action_state (G_ACTION_GROUP (self), "mode",
                                      g_variant_new_string (pairs ? "pairs" : "single"));
  gtk_widget_set_visible (GTK_WIDGET (self->pairs_panel), pairs);
  pl_prompts_panel_show_texts (self->prompts_panel, !pairs);
  GVariant *topk = g_action_group_get_action_state (G_ACTION_GROUP (self), "show-topk");

  /* The table takes the height; the site and metric keep theirs under it. */
  gtk_widget_set_vexpand (GTK_WIDGET (self->prompts_panel), !pairs);
  /* The table needs width, and the next-token tables have no single run to show: they
   * step aside (without changing the user's F9 choice) and return with the single pair. */
  gtk_revealer_set_reveal_child (self->topk_revealer,
                                 !pairs && topk != NULL && g_variant_get_boolean (topk));
  g_clear_pointer (&topk, g_variant_unref);
  update_empty_page (self, pairs);
  if (pairs != self->pairs_wide)
    {
      int pos = gtk_paned_get_position (self->outer_paned);
      gtk_paned_set_position (self->outer_paned, pairs ? pos + PAIRS_EXTRA_WIDTH
                                                       : MAX (pos - PAIRS_EXTRA_WIDTH, 320));
      self->pairs_wide = pairs;
    }
  pl_window_end_job (self);   /* a sweep of the other mode's inputs */
  pl_window_show_result (self);
}

static void
change_mode (GSimpleAction *action,
             GVariant      *value,
             gpointer       data)
{
  PlWindow *self = data;
  const char *mode = g_variant_get_string (value, NULL);

  g_simple_action_set_state (action, value);
  pl_document_set_mode (self->document, g_str_equal (mode, "pairs") ? PL_DOCUMENT_PAIRS
                                                                    : PL_DOCUMENT_SINGLE);
}

/* ---- the table ---- */

static void
add_pair (GSimpleAction *action, GVariant *param, gpointer data)
{
  pl_pairs_panel_add_row (PL_WINDOW (data)->pairs_panel);
}

static void
remove_pair (GSimpleAction *action, GVariant *param, gpointer data)
{
  pl_pairs_panel_remove_selected (PL_WINDOW (data)->pairs_panel);
}

static void
on_clipboard_text (GObject      *source,
                   GAsyncResult *res,
                   gpointer      data)
{
  g_autoptr(PlWindow) self = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), res, &error);

  if (self->pairs_panel == NULL)   /* the window was closed meanwhile */
    return;
  if (text == NULL && error == NULL)
    g_set_error_literal (&error, PL_ERROR, PL_ERROR_FORMAT, _("The clipboard holds no text."));
  if (text == NULL || !pl_pairs_panel_append_text (self->pairs_panel, text, &error))
    pl_window_show_error (self, _("Could Not Paste the Pairs"), error);
}

static void
paste_pairs (GSimpleAction *action, GVariant *param, gpointer data)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (data));

  gdk_clipboard_read_text_async (clipboard, NULL, on_clipboard_text, g_object_ref (data));
}

/* Replaces the set with the file's pairs and shows the Pairs mode. The rows are kept
 * even when some fail the checks: the table marks them, to be fixed there. */
gboolean
pl_window_open_pairs (PlWindow   *self,
                      const char *path,
                      GError    **error)
{
  g_autofree char *text = NULL, *base = g_path_get_basename (path);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GString) jsonl = g_string_new (NULL);
  gsize len;

  if (!pl_read_file_bounded (path, MAX_SET_FILE, "a set of pairs", &text, &len, error))
    return FALSE;
  if (!g_utf8_validate (text, len, NULL))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_FORMAT, _("%s is not UTF-8 text"), base);
      return FALSE;
    }
  rows = pl_pair_rows_parse (text, base, error);
  if (rows == NULL)
    return FALSE;
  for (guint i = 0; i < rows->len; i++)
    {
      g_autofree char *line = pl_pair_row_to_json (rows->pdata[i]);
      g_string_append_printf (jsonl, "%s\n", line);
    }
  pl_document_set_pairs (self->document, jsonl->str);
  pl_document_set_mode (self->document, PL_DOCUMENT_PAIRS);
  return TRUE;
}

static void
open_pairs_path (PlWindow   *self,
                 const char *path)
{
  g_autoptr(GError) error = NULL;

  if (!pl_window_open_pairs (self, path, &error))
    pl_window_show_error (self, _("Could Not Open the Set"), error);
}

static void
on_open_pairs_response (GtkNativeDialog *native,
                        int              response,
                        PlWindow        *self)
{
  g_autoptr(GFile) file = response == GTK_RESPONSE_ACCEPT
                          ? gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native)) : NULL;
  g_autofree char *path = file ? g_file_get_path (file) : NULL;

  if (path != NULL)
    open_pairs_path (self, path);
  g_object_unref (native);
}

static void
open_pairs (GSimpleAction *action, GVariant *param, gpointer data)
{
  PlWindow *self = data;
  g_autofree char *path = NULL;
  GtkFileChooserNative *native;

  if (pl_window_ask_chooser (self, "open-pairs", &path))
    {
      if (path != NULL)
        open_pairs_path (self, path);
      return;
    }
  native = gtk_file_chooser_native_new (_("Open a Set of Pairs"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  pl_window_chooser_add_filter (GTK_FILE_CHOOSER (native), _("Sets of pairs (JSON Lines)"),
                                "*.jsonl", ".jsonl");
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect (native, "response", G_CALLBACK (on_open_pairs_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

/* A shipped set by its name ("names", "ioi"), as `sweep --pairs NAME` finds it. */
static void
load_pairs_set (GSimpleAction *action, GVariant *param, gpointer data)
{
  const char *name = g_variant_get_string (param, NULL);
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;

  if (*name == '\0' || strchr (name, '/') != NULL || name[0] == '.')
    return;   /* a name, not a path */
  file = g_strdup_printf ("%s.jsonl", name);
  path = g_build_filename (pl_data_dir (), "pairs", file, NULL);

  open_pairs_path (data, path);
}

static void
save_pairs_path (PlWindow   *self,
                 const char *path)
{
  const char *jsonl = pl_document_get_pairs (self->document);
  g_autoptr(GError) error = NULL;

  if (pl_write_file_atomic (path, jsonl, strlen (jsonl), &error))
    pl_window_toast_saved (self, path);
  else
    pl_window_show_error (self, _("Could Not Save the Set"), error);
}

static void
on_save_pairs_response (GtkNativeDialog *native,
                        int              response,
                        PlWindow        *self)
{
  static const char *exts[] = { ".jsonl", NULL };
  g_autofree char *path = response == GTK_RESPONSE_ACCEPT
                          ? pl_window_chosen_path (GTK_FILE_CHOOSER (native), exts) : NULL;

  if (path != NULL)
    save_pairs_path (self, path);
  g_object_unref (native);
}

static void
save_pairs (GSimpleAction *action, GVariant *param, gpointer data)
{
  PlWindow *self = data;
  g_autofree char *path = NULL;
  GtkFileChooserNative *native;

  if (pl_window_ask_chooser (self, "save-pairs", &path))
    {
      if (path != NULL)
        save_pairs_path (self, path);
      return;
    }
  native = pl_window_save_chooser_new (self, _("Save the Set of Pairs"), "pairs.jsonl");
  pl_window_chooser_add_filter (GTK_FILE_CHOOSER (native), _("Sets of pairs (JSON Lines)"),
                                "*.jsonl", ".jsonl");
  g_signal_connect (native, "response", G_CALLBACK (on_save_pairs_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static void
on_template_pairs (PlTemplateDialog *dialog,
                   const char       *jsonl,
                   PlWindow         *self)
{
  pl_document_set_pairs (self->document, jsonl);
  pl_document_set_mode (self->document, PL_DOCUMENT_PAIRS);
}

static void
pairs_template (GSimpleAction *action, GVariant *param, gpointer data)
{
  PlWindow *self = data;
  PlTemplateDialog *dialog = pl_template_dialog_new (GTK_WINDOW (self),
                                                     pl_window_tokenizer (self));

  g_signal_connect_object (dialog, "pairs-made", G_CALLBACK (on_template_pairs), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- the sweep over the set ---- */

static void
on_set_job_progress (PlSweepJob *job,
                     PlWindow   *self)
{
  int done, total;
  double elapsed, ends[2];
  const float *m = pl_sweep_job_get_matrix (job, &done, &total, &elapsed);
  int n_pairs;
  const int *counts = pl_sweep_job_get_counts (job, &n_pairs);

  if (m == NULL || total <= 0)
    return;
  /* The final mean's colour scale spans the set's mean of the unpatched runs' metric:
   * the live one the mean of those known so far. */
  if (pl_sweep_job_get_ends (job, &ends[0], &ends[1]))
    pl_heatmap_pane_include_range (self->heatmap_pane, ends[0], ends[1]);
  if (counts != NULL)
    pl_heatmap_pane_show_running_mean (self->heatmap_pane, m, counts, n_pairs);
  pl_run_bar_progress (self->run_bar, done, total, elapsed);
}

static void
on_set_job_finished (PlSweepJob *job,
                     PlWindow   *self)
{
  PlShared *sr = pl_sweep_job_get_set_result (job);
  g_autoptr(GError) error = pl_sweep_job_get_error (job)
                            ? g_error_copy (pl_sweep_job_get_error (job)) : NULL;
  g_autofree char *msg = NULL;

  sr = sr ? pl_shared_ref (sr) : NULL;   /* outlives the job, given below */
  pl_window_end_job (self);
  if (sr == NULL)
    {
      pl_window_show_result (self);
      pl_window_show_error (self, _("The Sweep Failed"), error);
      return;
    }
  /* Translators: a toast: the number of pairs and the seconds the sweep took */
  msg = g_strdup_printf (_("Sweep of %d pairs finished in %.1f s"),
                         ((PlSetResult *) pl_shared_get (sr))->n_pairs,
                         ((PlSetResult *) pl_shared_get (sr))->seconds);
  pl_document_set_set_result (self->document, sr);   /* shows it */
  pl_window_toast (self, msg);
}

/* The document's options, as for a single pair (pl-window-sweep.c's run_sweep). */
static void
set_sweep_options (PlWindow       *self,
                   PlSweepOptions *opt)
{
  opt->site = pl_document_get_site (self->document);
  opt->metric = pl_document_get_metric (self->document);
  opt->top_k = pl_document_get_top_k (self->document);
  opt->direction = pl_document_get_direction (self->document);
  /* By position is a head granularity; a block site has one shape. */
  opt->by_position = pl_site_is_head (opt->site) && pl_document_get_by_position (self->document);
}

gboolean
pl_window_run_set (PlWindow *self)
{
  const PlPairSet *set = pl_pairs_panel_get_set (self->pairs_panel);
  PlSweepOptions opt = PL_SWEEP_OPTIONS_INIT;
  g_autoptr(PlInputs) labels = NULL;
  PlModel *model;

  if (self->model == NULL || self->model_loading || set == NULL)
    return FALSE;
  pl_window_end_job (self);
  model = pl_loaded_model_get (self->model);
  set_sweep_options (self, &opt);
  self->job = pl_sweep_job_new_set (self->model, set, &opt);
  /* The live figure is the running mean (empty until the first cells), labelled and
   * laid out as the mean's will be; the bar counts the whole set's cells. */
  pl_heatmap_pane_show_set (self->heatmap_pane, NULL);
  labels = pl_sweep_set_labels (set);
  pl_heatmap_pane_show_live_sweep (self->heatmap_pane, pl_model_name (model), labels, &opt,
                                   pl_model_config (model)->n_layer,
                                   pl_model_config (model)->n_head);
  pl_heatmap_pane_begin_running_mean (self->heatmap_pane, set->n_pairs);
  pl_window_show_center_page (self);
  g_signal_connect (self->job, "progress", G_CALLBACK (on_set_job_progress), self);
  g_signal_connect (self->job, "finished", G_CALLBACK (on_set_job_finished), self);
  pl_run_bar_start (self->run_bar);
  pl_sweep_job_start (self->job);
  pl_window_update_actions (self);
  return TRUE;
}

void
pl_window_show_set_result (PlWindow *self)
{
  PlShared *r = pl_document_get_shared_set_result (self->document);

  pl_heatmap_pane_show_set (self->heatmap_pane, r);
  if (r == NULL)
    pl_heatmap_pane_show_result (self->heatmap_pane, NULL);
  pl_nexttoken_pane_reset_cell (self->nexttoken_pane);
  pl_heatmap_pane_set_stale (self->heatmap_pane, self->job == NULL &&
                             pl_document_is_stale (self->document));
  pl_window_show_center_page (self);
  pl_window_update_actions (self);
}

static void
on_pair_activated (PlHeatmapPane *pane,
                   guint          index,
                   PlWindow      *self)
{
  pl_pairs_panel_select (self->pairs_panel, index);
}

static void
set_show_std (GSimpleAction *action,
              GVariant      *value,
              gpointer       data)
{
  g_simple_action_set_state (action, value);
  pl_heatmap_pane_set_show_std (PL_WINDOW (data)->heatmap_pane, g_variant_get_boolean (value));
}

/* ---- exports: as the CLI writes them ---- */

gboolean
pl_window_export_set_figure_to (PlWindow   *self,
                                const char *path,
                                double      scale,
                                GError    **error)
{
  PlSetResult *r = pl_document_get_set_result (self->document);

  /* The CLI's figure of the mean (pl_set_result_heatmap), in the user's colours. */
  return pl_window_export_heatmap (self, r ? pl_set_result_heatmap (r) : NULL, path, scale,
                                   error);
}

gboolean
pl_window_export_set_data_to (PlWindow   *self,
                              const char *path,
                              GError    **error)
{
  PlSetResult *r = pl_document_get_set_result (self->document);
  PlDataFormat format;

  if (!pl_window_has_result_to_export (r, error))
    return FALSE;
  if (!pl_data_format_from_path (path, &format, error))
    return FALSE;
  return format == PL_DATA_JSON ? pl_set_result_save_json (r, path, error)
                                : pl_set_result_save_csv (r, path, error);
}

/* ---- wiring ---- */

static const GActionEntry pairs_entries[] = {
  { "mode", NULL, "s", "'single'", change_mode },
  { "add-pair", add_pair },
  { "remove-pair", remove_pair },
  { "paste-pairs", paste_pairs },
  { "open-pairs", open_pairs },
  { "save-pairs", save_pairs },
  { "load-pairs-set", load_pairs_set, "s" },
  { "pairs-template", pairs_template },
  { "show-std", NULL, NULL, "false", set_show_std },
};

/* Called once from pl_window_init, after the panels are connected. */
void
pl_window_setup_pairs (PlWindow *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), pairs_entries,
                                   G_N_ELEMENTS (pairs_entries), self);
  pl_pairs_panel_set_tokenizer (self->pairs_panel, pl_window_tokenizer (self), 0);
  pl_pairs_panel_set_document (self->pairs_panel, self->document);
  g_signal_connect_swapped (self->pairs_panel, "changed",
                            G_CALLBACK (pl_window_update_actions), self);
  g_signal_connect_swapped (self->document, "notify::mode", G_CALLBACK (apply_mode), self);
  g_signal_connect_swapped (self->document, "notify::set-result",
                            G_CALLBACK (pl_window_show_result), self);
  g_signal_connect (self->heatmap_pane, "pair-activated", G_CALLBACK (on_pair_activated), self);
}
