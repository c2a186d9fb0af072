/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-window-model.c: the model: loading it on a worker (at startup the last one,
 * or "gpt2" from the usual places), the status page shown while there is none (with
 * the places searched), the model button's popover, and the GPT-2 download (its
 * progress under the status page's Download button, or in a banner above the main area
 * when that page is hidden).
 */
#include "config.h"

#include "pl-window-private.h"

#include <glib/gi18n.h>

#include "pl-model-store.h"

static void place_download_box (PlWindow *self);

/* ---- the model ---- */

int
pl_window_model_n_ctx (PlWindow *self)
{
  if (self->model == NULL)
    return 0;
  return pl_model_config (pl_loaded_model_get (self->model))->n_positions;
}

void
pl_window_show_center_page (PlWindow *self)
{
  const char *page = "empty";

  if (pl_heatmap_pane_has_figure (self->heatmap_pane))
    page = "heatmap";
  else if (self->model == NULL)
    page = self->model_loading ? "loading" : "no-model";
  gtk_stack_set_visible_child_name (self->center_stack, page);
  place_download_box (self);   /* the status page may have come or gone mid-download */
}

void
pl_window_update_model_labels (PlWindow *self)
{
  pl_model_button_set_model (self->model_button,
                             self->model ? pl_loaded_model_get (self->model) : NULL,
                             self->model_loading);
}

void
pl_window_update_searched_label (PlWindow     *self,
                       const GError *error)
{
  g_auto(GStrv) paths = pl_model_store_search_paths ("gpt2");
  g_autoptr(GString) s = g_string_new (NULL);

  /* The message in bold, to stand out from the (dim) list of places below; markup, so
   * the message and the paths are escaped. */
  if (error != NULL && !g_error_matches (error, PL_ERROR, PL_ERROR_NOT_FOUND))
    {
      g_autofree char *m = g_markup_escape_text (error->message, -1);
      g_string_append_printf (s, "<b>%s</b>\n\n", m);
    }
  g_string_append (s, _("Searched for gpt2 in:"));
  for (int i = 0; paths != NULL && paths[i]; i++)
    {
      g_autofree char *p = g_markup_escape_text (paths[i], -1);
      g_string_append_printf (s, "\n• %s", p);
    }
  gtk_label_set_markup (self->searched_label, s->str);
}

/* ---- loading, on a worker ---- */

typedef struct {
  PlWindow *self;
  guint     seq;
  gboolean  startup;
  char     *reference;   /* what the user gave: a family name, or a folder */
} Load;

static void
load_free (Load *load)
{
  g_free (load->reference);
  g_free (load);
}

/* The reference an experiment saves: the family name when the store found it (it
 * opens on any machine that has that model), the folder otherwise. */
static char *
model_reference (const char *given,
                 PlModel    *model)
{
  if (pl_model_store_is_known_name (given) && !g_file_test (given, G_FILE_TEST_IS_DIR))
    return g_strdup (given);
  return g_strdup (pl_model_path (model));
}

static void
adopt_model (PlWindow      *self,
             PlLoadedModel *lm,
             const char    *given)
{
  PlModel *m = pl_loaded_model_get (lm);

  g_clear_pointer (&self->model, pl_loaded_model_unref);
  self->model = lm;
  g_free (self->model_reference);
  self->model_reference = model_reference (given, m);
  if (self->settings != NULL)
    g_settings_set_string (self->settings, "last-model", self->model_reference);
  pl_document_set_model (self->document, self->model_reference);
  /* The model's tokenizer and context length. */
  pl_prompts_panel_set_tokenizer (self->prompts_panel, pl_model_tokenizer (m),
                                  pl_model_config (m)->n_positions);
  pl_pairs_panel_set_tokenizer (self->pairs_panel, pl_model_tokenizer (m),
                                pl_model_config (m)->n_positions);
  pl_window_schedule_topk (self);
  pl_window_analysis_set_model (self);
}

/* Loads do not cancel each other: the newest that succeeds is shown, and one that
 * fails (an experiment's model missing on this machine) leaves the model there is, or
 * the one still loading (the start-up model), in place. */
static void
on_model_loaded (GObject      *source,
                 GAsyncResult *res,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  Load *load = user_data;
  PlLoadedModel *lm = pl_model_loader_load_finish (res, &error);
  PlWindow *self = load->self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      load_free (load);   /* the window closed: self may be gone */
      return;
    }
  self->model_loads--;
  self->model_loading = self->model_loads > 0;
  if (lm != NULL && load->seq > self->model_shown_seq)
    {
      self->model_shown_seq = load->seq;
      adopt_model (self, lm, load->reference);
    }
  else if (lm != NULL)
    pl_loaded_model_unref (lm);   /* a newer one is shown already */
  else
    {
      pl_window_update_searched_label (self, error);
      if (self->model != NULL)   /* what a Save names is the model there is */
        pl_document_set_model (self->document, self->model_reference);
      /* At startup, a missing model is the status page's job, not an error. */
      if (self->model != NULL || !load->startup)
        pl_window_show_error (self, _("Could Not Load the Model"), error);
    }
  load_free (load);
  pl_window_update_model_labels (self);
  pl_window_show_center_page (self);
  pl_window_update_actions (self);
}

static void
load_model_full (PlWindow   *self,
                 const char *name_or_dir,
                 gboolean    startup)
{
  Load *load = g_new0 (Load, 1);

  load->self = self;
  load->seq = ++self->model_load_seq;
  load->startup = startup;
  load->reference = g_strdup (name_or_dir);
  self->model_loads++;
  self->model_loading = TRUE;
  pl_window_update_model_labels (self);
  pl_window_show_center_page (self);
  pl_window_update_actions (self);
  pl_model_loader_load_async (name_or_dir, self->model_cancellable, on_model_loaded, load);
}

void
pl_window_load_model (PlWindow   *self,
                      const char *name_or_dir)
{
  load_model_full (self, name_or_dir, FALSE);
}

void
pl_window_load_startup_model (PlWindow *self)
{
  g_autofree char *last = self->settings ? g_settings_get_string (self->settings, "last-model")
                                         : NULL;

  load_model_full (self, last != NULL && *last ? last : "gpt2", TRUE);
}

/* ---- the model button ---- */

static void
on_model_chosen (PlModelButton *button,
                 const char    *reference,
                 PlWindow      *self)
{
  pl_window_load_model (self, reference);
}

void
pl_window_connect_model_button (PlWindow *self)
{
  self->model_cancellable = g_cancellable_new ();
  g_signal_connect (self->model_button, "model-chosen", G_CALLBACK (on_model_chosen), self);
}

/* ---- download ---- */

/* The progress and its Cancel go where the user looks: right under the Download button
 * while the status page shows, else (the popover's Download, with a model loaded) in
 * the banner above the main area. One set of widgets, moved, so the bar, its label and
 * Cancel are the same wherever they are. */
static void
place_download_box (PlWindow *self)
{
  GtkWidget *box = GTK_WIDGET (self->download_box);
  GtkWidget *page_box = gtk_widget_get_parent (GTK_WIDGET (self->searched_label));
  GtkWidget *buttons = gtk_widget_get_parent (GTK_WIDGET (self->download_button));
  GtkWidget *banner = GTK_WIDGET (self->download_banner);
  const char *page = gtk_stack_get_visible_child_name (self->center_stack);
  gboolean in_banner = self->download != NULL && g_strcmp0 (page, "no-model") != 0;
  GtkWidget *parent = gtk_widget_get_parent (box);

  if (parent != (in_banner ? banner : page_box))
    {
      g_object_ref (box);
      gtk_box_remove (GTK_BOX (parent), box);
      if (in_banner)
        gtk_box_append (GTK_BOX (banner), box);
      else
        gtk_box_insert_child_after (GTK_BOX (page_box), box, buttons);
      g_object_unref (box);
    }
  gtk_revealer_set_reveal_child (GTK_REVEALER (gtk_widget_get_ancestor (banner,
                                                                        GTK_TYPE_REVEALER)),
                                 in_banner);
}

static void
on_download_progress (PlDownloadJob *job,
                      PlWindow      *self)
{
  double f = pl_download_job_get_fraction (job);

  if (f >= 0)
    gtk_progress_bar_set_fraction (self->download_bar, f);
  else
    gtk_progress_bar_pulse (self->download_bar);
  gtk_label_set_text (self->download_label, pl_download_job_get_text (job));
}

void
pl_window_end_download (PlWindow *self)
{
  if (self->download != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->download, self);
      pl_download_job_cancel (self->download);
      g_clear_object (&self->download);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->download_box), FALSE);
  place_download_box (self);
  pl_window_update_actions (self);
}

static void
on_download_finished (PlDownloadJob *job,
                      PlWindow      *self)
{
  g_autofree char *dir = g_strdup (pl_download_job_get_dir (job));
  g_autoptr(GError) error = pl_download_job_get_error (job)
                            ? g_error_copy (pl_download_job_get_error (job)) : NULL;

  pl_window_end_download (self);
  if (dir == NULL)
    {
      /* Said on the status page, beside the button that started it; a dialog only
       * when a model is loaded and that page is hidden (the popover's Download). */
      if (self->model != NULL)
        pl_window_show_error (self, _("The Download Failed"), error);
      g_prefix_error (&error, _("The download failed: "));
      pl_window_update_searched_label (self, error);
      return;
    }
  pl_window_toast (self, _("GPT-2 downloaded"));
  pl_window_load_model (self, dir);
}

void
pl_window_start_download (PlWindow *self)
{
  if (self->download != NULL)
    return;
  self->download = pl_download_job_new ("gpt2");
  g_signal_connect (self->download, "progress", G_CALLBACK (on_download_progress), self);
  g_signal_connect (self->download, "finished", G_CALLBACK (on_download_finished), self);
  gtk_progress_bar_set_fraction (self->download_bar, 0);
  gtk_label_set_text (self->download_label, _("Connecting…"));
  gtk_widget_set_visible (GTK_WIDGET (self->download_box), TRUE);
  place_download_box (self);
  pl_window_update_searched_label (self, NULL);   /* drop an earlier failure's message */
  pl_download_job_start (self->download);
  pl_window_update_actions (self);
}

void
pl_window_cancel_download (PlWindow *self)
{
  g_autoptr(GError) note = NULL;

  if (self->download == NULL)
    return;
  pl_window_end_download (self);
  note = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                              _("The download was cancelled. Download again to resume "
                                "where it stopped."));
  pl_window_update_searched_label (self, note);
  if (self->model != NULL)   /* the status page, and so the note, is hidden */
    pl_window_toast (self, _("Download cancelled; it resumes where it stopped next time"));
}

