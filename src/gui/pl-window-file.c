/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-window-file.c: the experiment as a file: Open (read on a worker thread, with caps,
 * so a FIFO or a huge file cannot freeze the window), Save and Save As, recent files,
 * the title ("name.patchlens" with a dot while unsaved), examples with Undo, and the
 * Save / Discard / Cancel question before unsaved work or a running sweep is closed.
 */
#include "config.h"

#include "pl-window-private.h"

#include <glib/gi18n.h>

#include "pl-model-store.h"

#define RECENT_MAX 8
/* An experiment is a few KB of inputs and a result: the largest, gpt2-xl over 1024
 * positions, is 48 × 1024 cells, under 1 MB of JSON. json-glib holds a file in memory
 * as a tree some 40 times its size (a 44 MB file took 1.85 GB): refuse what cannot be
 * an experiment before reading it. */
#define OPEN_MAX_BYTES (16 * 1024 * 1024)

static void save_as (PlWindow *self, gboolean then_close);

static gboolean
close_now (gpointer data)
{
  gtk_window_close (data);
  return G_SOURCE_REMOVE;
}

/* Closes once the question's dialog, whose response got us here, has gone. */
static void
close_confirmed (PlWindow *self)
{
  self->close_confirmed = TRUE;
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, close_now, g_object_ref (self), g_object_unref);
}

/* ---- the title ---- */

void
pl_window_update_title (PlWindow *self)
{
  g_autofree char *base = pl_document_dup_basename (self->document);
  g_autofree char *subtitle = NULL;

  if (base == NULL)
    subtitle = g_strdup (pl_document_is_dirty (self->document) ? _("Unsaved Experiment") : "");
  else if (pl_document_is_dirty (self->document))
    /* Translators: the window's subtitle: a file with unsaved changes */
    subtitle = g_strdup_printf (_("• %s"), base);
  else
    subtitle = g_steal_pointer (&base);
  adw_window_title_set_subtitle (self->window_title, subtitle);
}

/* ---- the file choosers, or the tests' stand-in ---- */

gboolean
pl_window_ask_chooser (PlWindow    *self,
                       const char  *purpose,
                       char       **path)
{
  if (self->chooser == NULL)
    return FALSE;
  *path = self->chooser (self, purpose, self->chooser_data);
  return TRUE;
}

/* ---- saving ---- */

static void
remember_recent (const char *path)
{
  g_autofree char *uri = g_filename_to_uri (path, NULL, NULL);

  if (uri != NULL)
    gtk_recent_manager_add_item (gtk_recent_manager_get_default (), uri);
}

/* Saves to path; TRUE when saved. The document keeps its own copy of the path. */
static gboolean
save_to (PlWindow   *self,
         const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *copy = g_strdup (path);   /* path may be the document's own */

  if (!pl_document_save (self->document, copy, &error))
    {
      pl_window_show_error (self, _("Could Not Save the Experiment"), error);
      return FALSE;
    }
  remember_recent (copy);
  pl_window_toast_saved (self, copy);
  return TRUE;
}

static void
finish_save_as (PlWindow   *self,
                const char *path,
                gboolean    then_close)
{
  if (path != NULL && save_to (self, path) && then_close)
    close_confirmed (self);
}

static void
on_save_response (GtkNativeDialog *native,
                  int              response,
                  PlWindow        *self)
{
  static const char *exts[] = { ".patchlens", NULL };
  g_autofree char *path = NULL;
  gboolean then_close = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (native), "then-close"));

  if (response == GTK_RESPONSE_ACCEPT)
    path = pl_window_chosen_path (GTK_FILE_CHOOSER (native), exts);
  finish_save_as (self, path, then_close);
  g_object_unref (native);
}

static void
save_as (PlWindow *self,
         gboolean  then_close)
{
  GtkFileChooserNative *native;
  g_autofree char *path = NULL;
  g_autofree char *name = pl_document_dup_basename (self->document);

  if (pl_window_ask_chooser (self, "save", &path))
    {
      finish_save_as (self, path, then_close);
      return;
    }
  native = pl_window_save_chooser_new (self, _("Save the Experiment"),
                                       name ? name : _("experiment.patchlens"));
  pl_window_chooser_add_filter (GTK_FILE_CHOOSER (native), _("Patchlens experiments"),
                                "*.patchlens", ".patchlens");
  g_object_set_data (G_OBJECT (native), "then-close", GINT_TO_POINTER (then_close));
  g_signal_connect (native, "response", G_CALLBACK (on_save_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

/* Save: to the document's file, or ask where. */
static void
save (PlWindow *self,
      gboolean  then_close)
{
  const char *path = pl_document_get_path (self->document);

  if (path == NULL)
    save_as (self, then_close);
  else if (save_to (self, path) && then_close)
    close_confirmed (self);
}

static void
save_action (GSimpleAction *action, GVariant *param, gpointer data)
{
  save (data, FALSE);
}

static void
save_as_action (GSimpleAction *action, GVariant *param, gpointer data)
{
  save_as (data, FALSE);
}

/* ---- opening, off the main thread ---- */

static void
open_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  const char *path = task_data;
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_TYPE ","
                                                 G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                                 G_FILE_QUERY_INFO_NONE, cancellable, &error);
  g_autofree char *base = g_path_get_basename (path);
  PlExperiment *e;

  if (info == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* A FIFO or a device would block the reader forever; a huge file would take minutes
   * and gigabytes of memory. */
  if (g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR)
    {
      g_task_return_new_error (task, PL_ERROR, PL_ERROR_FORMAT,
                               _("“%s” is not a regular file."), base);
      return;
    }
  if (g_file_info_get_size (info) > OPEN_MAX_BYTES)
    {
      g_autofree char *size = g_format_size (g_file_info_get_size (info));
      g_autofree char *max = g_format_size (OPEN_MAX_BYTES);

      g_task_return_new_error (task, PL_ERROR, PL_ERROR_FORMAT,
                               _("“%s” is %s; an experiment is at most %s."), base, size, max);
      return;
    }
  e = pl_experiment_load (path, &error);
  if (e == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, e, (GDestroyNotify) pl_experiment_free);
}

/* The experiment's model, unless it is the one loaded; a failed load keeps the model
 * there is (pl-window-model.c). */
static void
load_experiment_model (PlWindow   *self,
                       const char *reference)
{
  if (reference == NULL || *reference == '\0')
    return;
  if (self->model != NULL && (g_strcmp0 (reference, self->model_reference) == 0 ||
                              g_strcmp0 (reference, pl_model_path (pl_loaded_model_get (self->model))) == 0))
    return;
  pl_window_load_model (self, reference);
}

static void
on_opened (GObject      *source,
           GAsyncResult *res,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  PlExperiment *e = g_task_propagate_pointer (G_TASK (res), &error);
  const char *path = g_task_get_task_data (G_TASK (res));
  g_autofree char *model = NULL;
  PlWindow *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* another file, or the window closed */
  self = user_data;
  g_clear_object (&self->open_cancellable);
  pl_window_update_actions (self);
  if (e == NULL)
    {
      pl_window_show_error (self, _("Could Not Open the Experiment"), error);
      return;
    }
  pl_window_end_job (self);
  g_clear_pointer (&self->result_model, pl_loaded_model_unref);   /* a file's result */
  model = g_strdup (e->model);
  pl_document_load (self->document, e, path);
  remember_recent (path);
  load_experiment_model (self, model);
  /* The document's model is what the experiment names until another one loads. */
  if (self->model != NULL && model == NULL)
    pl_document_set_model (self->document, self->model_reference);
}

static void
open_path (PlWindow   *self,
           const char *path)
{
  g_autoptr(GTask) task = NULL;

  if (self->open_cancellable != NULL)
    g_cancellable_cancel (self->open_cancellable);
  g_clear_object (&self->open_cancellable);
  self->open_cancellable = g_cancellable_new ();
  task = g_task_new (NULL, self->open_cancellable, on_opened, self);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, open_thread);
  pl_window_update_actions (self);
}

/* Opening replaces the document: ask first when it has unsaved work. */
static void
on_replace_response (AdwMessageDialog *dialog,
                     const char       *response,
                     PlWindow         *self)
{
  const char *path = g_object_get_data (G_OBJECT (dialog), "path");

  if (g_strcmp0 (response, "discard") == 0)
    open_path (self, path);
}

static void
open_asking (PlWindow   *self,
             const char *path)
{
  GtkWidget *dialog;

  if (!pl_document_is_dirty (self->document))
    {
      open_path (self, path);
      return;
    }
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Discard the Unsaved Changes?"),
                                   _("Opening another experiment replaces this one, whose changes are not saved."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "discard", _("_Discard and Open"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "path", g_strdup (path), g_free);
  g_signal_connect (dialog, "response", G_CALLBACK (on_replace_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

void
pl_window_open_experiment (PlWindow *self,
                           GFile    *file)
{
  g_autofree char *path = g_file_get_path (file);

  if (path == NULL)
    {
      pl_window_toast (self, _("Only local files can be opened."));
      return;
    }
  open_asking (self, path);
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
open_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       data)
{
  PlWindow *self = data;
  GtkFileChooserNative *native;
  GtkFileFilter *f;
  g_autofree char *path = NULL;

  if (pl_window_ask_chooser (self, "open", &path))
    {
      if (path != NULL)
        open_asking (self, path);
      return;
    }
  native = gtk_file_chooser_native_new (_("Open an Experiment"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  f = pl_window_file_filter_new (_("Patchlens experiments"), "*.patchlens");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), f);
  g_object_unref (f);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect (native, "response", G_CALLBACK (on_open_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
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

/* ---- examples, with Undo ---- */

/* The toast's Undo button runs win.undo-example: the texts typed before the example. */
static void
undo_example (GSimpleAction *action,
              GVariant      *param,
              gpointer       data)
{
  PlWindow *self = data;
  g_auto(GStrv) t = g_steal_pointer (&self->undo_texts);

  if (t != NULL)
    pl_document_set_texts (self->document, t[0], t[1], t[2], t[3]);
}

/* An example made for a site (the indirect-object pair: heads) selects it, at all
 * positions; the others leave the chosen site alone. */
static void
apply_preset_site (PlWindow       *self,
                   const PlPreset *preset)
{
  PlSite site;

  if (preset->site == NULL || !pl_site_from_string (preset->site, &site))
    return;
  pl_document_set_site (self->document, site);
  pl_document_set_by_position (self->document, FALSE);
}

static void
apply_preset (GSimpleAction *action,
              GVariant      *param,
              gpointer       data)
{
  PlWindow *self = data;
  guint n = 0, index = g_variant_get_uint32 (param);
  const PlPreset *presets = pl_presets (&n);
  g_auto(GStrv) before = g_new0 (char *, PL_N_TEXTS + 1);
  gboolean typed = FALSE;
  AdwToast *toast;

  if (index >= n)
    return;
  for (int i = 0; i < PL_N_TEXTS; i++)
    {
      before[i] = g_strdup (pl_document_get_text (self->document, i));
      typed |= *before[i] != '\0';
    }
  /* An example is a single pair: show it, not the set. */
  pl_document_set_mode (self->document, PL_DOCUMENT_SINGLE);
  pl_document_set_texts (self->document, presets[index].clean, presets[index].corrupted,
                         presets[index].clean_answer, presets[index].corrupted_answer);
  apply_preset_site (self, &presets[index]);
  g_strfreev (self->undo_texts);
  self->undo_texts = NULL;
  if (!typed)
    return;   /* nothing of the user's was replaced */
  self->undo_texts = g_steal_pointer (&before);
  toast = adw_toast_new (_("Example filled in; your prompts were replaced"));
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_action_name (toast, "win.undo-example");
  adw_toast_set_timeout (toast, 10);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
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

/* ---- the unsaved-changes question ---- */

static void
on_close_response (AdwMessageDialog *dialog,
                   const char       *response,
                   PlWindow         *self)
{
  if (g_strcmp0 (response, "save") == 0)
    {
      pl_window_cancel (self);
      save (self, TRUE);
      return;
    }
  if (g_strcmp0 (response, "discard") == 0)
    close_confirmed (self);
}

gboolean
pl_window_confirm_close (PlWindow *self)
{
  gboolean dirty = pl_document_is_dirty (self->document);
  GtkWidget *dialog;
  g_autofree char *base = NULL, *heading = NULL;

  if (self->close_confirmed || (!dirty && self->job == NULL))
    return TRUE;
  if (self->close_question != NULL)   /* Ctrl+W again: the same question */
    {
      gtk_window_present (GTK_WINDOW (self->close_question));
      return FALSE;
    }
  base = pl_document_dup_basename (self->document);
  heading = base ? g_strdup_printf (_("Save Changes to “%s”?"), base)
                 : g_strdup (_("Save the Experiment?"));
  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading,
      self->job != NULL && dirty
      ? _("A sweep is still running and the experiment has unsaved changes. If you close without saving, they are lost.")
      : self->job != NULL
      ? _("A sweep is still running. If you close now, it stops and its result is lost.")
      : _("The experiment has unsaved changes. If you close without saving, they are lost."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "discard", self->job != NULL && !dirty
                                               ? _("_Stop and Close") : _("_Discard"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard",
                                              ADW_RESPONSE_DESTRUCTIVE);
  if (dirty)
    {
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "save", _("_Save"));
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save",
                                                  ADW_RESPONSE_SUGGESTED);
      adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "save");
    }
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (on_close_response), self);
  self->close_question = dialog;
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->close_question);
  gtk_window_present (GTK_WINDOW (dialog));
  return FALSE;
}

static void
on_recent_changed (GtkRecentManager *manager,
                   PlWindow         *self)
{
  pl_window_update_recent_menu (self);
}

static const GActionEntry file_entries[] = {
  { "open", open_action },
  { "open-recent", open_recent, "s" },
  { "save", save_action },
  { "save-as", save_as_action },
  { "preset", apply_preset, "u" },
  { "undo-example", undo_example },
};

void
pl_window_add_file_actions (PlWindow *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), file_entries,
                                   G_N_ELEMENTS (file_entries), self);
  fill_presets_menu (self);
  pl_window_update_recent_menu (self);
  g_signal_connect_object (gtk_recent_manager_get_default (), "changed",
                           G_CALLBACK (on_recent_changed), self, 0);
  g_signal_connect_swapped (self->document, "notify::dirty",
                            G_CALLBACK (pl_window_update_title), self);
  g_signal_connect_swapped (self->document, "notify::path",
                            G_CALLBACK (pl_window_update_title), self);
}
