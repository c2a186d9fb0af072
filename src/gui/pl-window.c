/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-window.c: the main window: validation as the user types, the model (load, status
 * page, download), the unpatched top-k tables, the sweep with live progress, and the
 * heatmap's hover and click. Files, export, presets and presentation mode are in
 * pl-window-actions.c.
 */
#include "config.h"

#include "pl-window-private.h"

#include <glib/gi18n.h>
#include <math.h>

#include "pl-inputs.h"
#include "pl-model-store.h"

G_DEFINE_FINAL_TYPE (PlWindow, pl_window, ADW_TYPE_APPLICATION_WINDOW)

#define TOPK_DEBOUNCE_MS 250

static void schedule_topk (PlWindow *self);
static void update_suggestions (PlWindow *self);

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

static int
model_n_ctx (PlWindow *self)
{
  if (self->model == NULL)
    return 0;
  return pl_model_config (pl_loaded_model_get (self->model))->n_positions;
}

static void
set_state_class (GtkWidget  *widget,
                 const char *state)
{
  const char *states[] = { "ok", "error", "warning" };

  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    gtk_widget_remove_css_class (widget, states[i]);
  if (state != NULL)
    gtk_widget_add_css_class (widget, state);
}

static void
set_validation (PlWindow   *self,
                const char *state,
                const char *message)
{
  const char *icon = "dialog-information-symbolic";

  if (g_strcmp0 (state, "ok") == 0)
    icon = "emblem-ok-symbolic";
  else if (g_strcmp0 (state, "error") == 0)
    icon = "dialog-error-symbolic";
  else if (g_strcmp0 (state, "warning") == 0)
    icon = "dialog-warning-symbolic";
  gtk_image_set_from_icon_name (self->validation_icon, icon);
  gtk_label_set_text (self->validation_label, message);
  set_state_class (GTK_WIDGET (self->validation_box), state);
}

/* ---- validation, on every keystroke ---- */

/* differs (n) for each prompt: TRUE where the other prompt has another token at that
 * position, or none. Returns how many positions differ within the shorter prompt. */
static int
mark_differences (const PlPrompt *a,
                  const PlPrompt *b,
                  gboolean       *da,
                  gboolean       *db)
{
  int n_common = MIN (a->n_tokens, b->n_tokens), n_diff = 0;

  for (int i = 0; i < a->n_tokens; i++)
    da[i] = i >= n_common || a->ids[i] != b->ids[i];
  for (int i = 0; i < b->n_tokens; i++)
    db[i] = i >= n_common || a->ids[i] != b->ids[i];
  for (int i = 0; i < n_common; i++)
    n_diff += a->ids[i] != b->ids[i];
  return n_diff;
}

/* The validation line for two tokenized, non-empty prompts. Returns TRUE when they
 * can be patched (same length). */
static gboolean
describe_prompts (PlWindow       *self,
                  const PlPrompt *clean,
                  const PlPrompt *corrupted,
                  int             n_diff)
{
  g_autofree char *msg = NULL;
  int d = corrupted->n_tokens - clean->n_tokens;

  if (d != 0)
    {
      if (d > 0)
        msg = g_strdup_printf (ngettext (
            "The corrupted prompt is %d token longer than the clean one (%d vs %d). Patching needs the same number of tokens.",
            "The corrupted prompt is %d tokens longer than the clean one (%d vs %d). Patching needs the same number of tokens.",
            d), d, corrupted->n_tokens, clean->n_tokens);
      else
        msg = g_strdup_printf (ngettext (
            "The clean prompt is %d token longer than the corrupted one (%d vs %d). Patching needs the same number of tokens.",
            "The clean prompt is %d tokens longer than the corrupted one (%d vs %d). Patching needs the same number of tokens.",
            -d), -d, clean->n_tokens, corrupted->n_tokens);
      set_validation (self, "error", msg);
      return FALSE;
    }
  if (n_diff == 0)
    {
      set_validation (self, "warning",
                      _("The two prompts are the same: change a token in the corrupted one."));
      return TRUE;
    }
  msg = g_strdup_printf (ngettext ("Both prompts have %d token; ", "Both prompts have %d tokens; ",
                                   clean->n_tokens), clean->n_tokens);
  {
    g_autofree char *tail = g_strdup_printf (ngettext ("%d differs.", "%d differ.", n_diff),
                                             n_diff);
    g_autofree char *full = g_strconcat (msg, tail, NULL);
    set_validation (self, "ok", full);
  }
  return TRUE;
}

/* Tokenizes both prompts, fills the strips and the validation line. Returns TRUE when
 * both are tokenized and equally long; clean and corrupted are filled when non-empty. */
static gboolean
validate_prompts (PlWindow *self,
                  PlPrompt *clean,
                  PlPrompt *corrupted)
{
  PlTokenizer *tok = pl_window_tokenizer (self);
  const char *ct = gtk_editable_get_text (GTK_EDITABLE (self->clean_entry));
  const char *rt = gtk_editable_get_text (GTK_EDITABLE (self->corrupted_entry));
  g_autoptr(GError) error = NULL;
  g_autofree gboolean *dc = NULL, *dr = NULL;
  int n_diff;

  pl_token_strip_clear (self->clean_strip);
  pl_token_strip_clear (self->corrupted_strip);
  if (tok == NULL)
    {
      set_validation (self, "error", _("The GPT-2 tokenizer files were not found."));
      return FALSE;
    }
  if ((*ct && !pl_prompt_init (clean, tok, ct, _("clean prompt"), model_n_ctx (self), &error)) ||
      (*rt && !pl_prompt_init (corrupted, tok, rt, _("corrupted prompt"), model_n_ctx (self),
                               &error)))
    {
      set_validation (self, "error", error->message);
      return FALSE;
    }
  dc = g_new0 (gboolean, MAX (clean->n_tokens, 1));
  dr = g_new0 (gboolean, MAX (corrupted->n_tokens, 1));
  n_diff = (*ct && *rt) ? mark_differences (clean, corrupted, dc, dr) : 0;
  pl_token_strip_set_tokens (self->clean_strip, clean->ids,
                             (const char * const *) clean->pieces, clean->n_tokens,
                             *rt ? dc : NULL);
  pl_token_strip_set_tokens (self->corrupted_strip, corrupted->ids,
                             (const char * const *) corrupted->pieces, corrupted->n_tokens,
                             *ct ? dr : NULL);
  if (!*ct || !*rt)
    {
      set_validation (self, NULL, !*ct && !*rt
                      ? _("Type a clean prompt and a corrupted one that differs in a token or two.")
                      : !*ct ? _("Now type the clean prompt.")
                             : _("Now type the corrupted prompt."));
      return FALSE;
    }
  return describe_prompts (self, clean, corrupted, n_diff);
}

/* "“Berlin” is 2 tokens (Ber|lin); an answer must be one." plus the leading-space way
 * out when " Berlin" is one token. */
static char *
describe_multi_token (PlTokenizer *tok,
                      GArray      *ids,
                      const char  *shown,
                      gboolean     spaced_is_one)
{
  g_autoptr(GString) parts = g_string_new (NULL);
  g_autofree char *msg = NULL;

  for (guint i = 0; i < ids->len; i++)
    {
      g_autofree char *p = pl_tokenizer_piece (tok, g_array_index (ids, gint32, i));
      g_autofree char *d = pl_token_display (p ? p : "");
      g_string_append_printf (parts, "%s%s", i ? "|" : "", d);
    }
  msg = g_strdup_printf (ngettext ("“%s” is %d token (%s); an answer must be one.",
                                   "“%s” is %d tokens (%s); an answer must be one.",
                                   ids->len), shown, (int) ids->len, parts->str);
  if (spaced_is_one)
    {
      g_autofree char *tip = g_strdup_printf (_(" Try “␣%s” with a leading space: it is one token."),
                                              shown);
      return g_strconcat (msg, tip, NULL);
    }
  return g_steal_pointer (&msg);
}

/* One answer's status line; TRUE when it is exactly one token. */
static gboolean
validate_answer (PlWindow *self,
                 GtkEntry *entry,
                 GtkLabel *status)
{
  PlTokenizer *tok = pl_window_tokenizer (self);
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GArray) sids = NULL;   /* " " + text, when that is one token */
  g_autofree char *shown = NULL, *msg = NULL;
  gboolean ok;

  gtk_widget_remove_css_class (GTK_WIDGET (status), "answer-ok");
  gtk_widget_remove_css_class (GTK_WIDGET (status), "answer-warning");
  gtk_widget_remove_css_class (GTK_WIDGET (status), "answer-error");
  if (!*text || tok == NULL || (ids = pl_tokenizer_encode (tok, text, -1, NULL)) == NULL)
    {
      gtk_label_set_text (status, *text ? _("Not valid text.") : "");
      return FALSE;
    }
  shown = pl_token_display (text);
  ok = ids->len == 1;
  if (text[0] != ' ')
    {
      g_autofree char *spaced = g_strconcat (" ", text, NULL);
      sids = pl_tokenizer_encode (tok, spaced, -1, NULL);
      if (sids != NULL && sids->len != 1)
        g_clear_pointer (&sids, g_array_unref);
    }
  if (ok && sids != NULL)
    /* The pitfall: "Jones" is a token, but after a word the model predicts " Jones". */
    msg = g_strdup_printf (_("“%s” is one token (id %d), but after a word the next token usually starts with a space: “␣%s” (id %d)."),
                           shown, g_array_index (ids, gint32, 0), shown,
                           g_array_index (sids, gint32, 0));
  else if (ok)
    msg = g_strdup_printf (_("“%s” is one token (id %d)."), shown,
                           g_array_index (ids, gint32, 0));
  else
    msg = describe_multi_token (tok, ids, shown, sids != NULL);
  gtk_label_set_text (status, msg);
  gtk_widget_add_css_class (GTK_WIDGET (status),
                            !ok ? "answer-error" : sids ? "answer-warning" : "answer-ok");
  return ok;
}

void
pl_window_validate (PlWindow *self)
{
  PlPrompt clean = { 0 }, corrupted = { 0 };
  gint64 t0 = g_get_monotonic_time ();
  gboolean prompts_ok, answers_ok;

  prompts_ok = validate_prompts (self, &clean, &corrupted);
  answers_ok = validate_answer (self, self->clean_answer_entry, self->clean_answer_status);
  answers_ok &= validate_answer (self, self->corrupted_answer_entry,
                                 self->corrupted_answer_status);
  self->tokenize_ms = (g_get_monotonic_time () - t0) / 1000.0;
  g_debug ("validation took %.2f ms", self->tokenize_ms);
  pl_prompt_clear (&clean);
  pl_prompt_clear (&corrupted);

  g_clear_pointer (&self->inputs, pl_inputs_free);
  if (prompts_ok && answers_ok)
    {
      g_autoptr(GError) error = NULL;

      self->inputs = pl_inputs_prepare (pl_window_tokenizer (self), model_n_ctx (self),
          gtk_editable_get_text (GTK_EDITABLE (self->clean_entry)),
          gtk_editable_get_text (GTK_EDITABLE (self->corrupted_entry)),
          gtk_editable_get_text (GTK_EDITABLE (self->clean_answer_entry)),
          gtk_editable_get_text (GTK_EDITABLE (self->corrupted_answer_entry)), &error);
      if (self->inputs == NULL)
        set_validation (self, "error", error->message);
    }
  update_suggestions (self);
  schedule_topk (self);
  pl_window_update_actions (self);
}

static void
on_text_changed (PlWindow *self)
{
  pl_window_validate (self);
}

/* ---- answer suggestions ---- */

typedef struct {
  char *clean;       /* NULL: leave as is */
  char *corrupted;
} Suggestion;

static void
suggestion_free (gpointer data)
{
  Suggestion *s = data;

  g_free (s->clean);
  g_free (s->corrupted);
  g_free (s);
}

static void
on_suggestion_clicked (GtkButton *button,
                       PlWindow  *self)
{
  Suggestion *s = g_object_get_data (G_OBJECT (button), "suggestion");
  g_autofree char *clean = g_strdup (s->clean), *corrupted = g_strdup (s->corrupted);

  /* Setting the text rebuilds the suggestions (and frees s): copy first. */
  if (clean != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->clean_answer_entry), clean);
  if (corrupted != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->corrupted_answer_entry), corrupted);
}

static void
add_suggestion (PlWindow   *self,
                const char *label,
                const char *tooltip,
                const char *clean,
                const char *corrupted)
{
  GtkWidget *button = gtk_button_new_with_label (label);
  Suggestion *s = g_new0 (Suggestion, 1);

  s->clean = g_strdup (clean);
  s->corrupted = g_strdup (corrupted);
  g_object_set_data_full (G_OBJECT (button), "suggestion", s, suggestion_free);
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_widget_add_css_class (button, "suggestion");
  g_signal_connect (button, "clicked", G_CALLBACK (on_suggestion_clicked), self);
  gtk_flow_box_append (self->suggestion_box, button);
}

/* The first differing pair of tokens, and each run's top two predictions. */
static void
update_suggestions (PlWindow *self)
{
  GtkWidget *child;
  const PlTopK *tops[2] = { pl_topk_table_get_topk (self->clean_table),
                            pl_topk_table_get_topk (self->corrupted_table) };
  int n_added = 0;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->suggestion_box))))
    gtk_flow_box_remove (self->suggestion_box, child);
  for (int i = 0; i < pl_token_strip_get_n_tokens (self->clean_strip); i++)
    {
      const char *a = pl_token_strip_get_piece (self->clean_strip, i);
      const char *b = pl_token_strip_get_piece (self->corrupted_strip, i);
      g_autofree char *da = NULL, *db = NULL, *label = NULL;

      if (a == NULL || b == NULL || !pl_token_strip_get_differs (self->clean_strip, i))
        continue;
      da = pl_token_display (a);
      db = pl_token_display (b);
      label = g_strdup_printf ("%s → %s", da, db);
      add_suggestion (self, label, _("Use the tokens that differ as the two answers"), a, b);
      n_added++;
      break;
    }
  /* Two top predictions of each run. */
  for (int r = 0; r < 2; r++)
    for (int i = 0; tops[r] != NULL && i < MIN (2, tops[r]->n); i++)
      {
        const char *piece = tops[r]->entries[i].token ? tops[r]->entries[i].token : "";
        g_autofree char *shown = pl_token_display (piece);
        g_autofree char *label = g_strdup_printf (r == 0 ? _("clean: %s") : _("corrupted: %s"),
                                                  shown);
        add_suggestion (self, label,
                        r == 0 ? _("A top prediction of the clean run, as the clean answer")
                               : _("A top prediction of the corrupted run, as the corrupted answer"),
                        r == 0 ? piece : NULL, r == 1 ? piece : NULL);
        n_added++;
      }
  gtk_widget_set_visible (GTK_WIDGET (self->suggestion_box), n_added > 0);
}

/* ---- unpatched top-k, debounced, on a worker ---- */

typedef struct {
  PlLoadedModel *model;
  GArray        *ids[2];    /* clean, corrupted (gint32); NULL when that prompt is empty */
  int            k;
} TopkData;

typedef struct {
  PlTopK *top[2];
} TopkResult;

static void
topk_data_free (gpointer data)
{
  TopkData *d = data;

  pl_loaded_model_unref (d->model);
  for (int i = 0; i < 2; i++)
    g_clear_pointer (&d->ids[i], g_array_unref);
  g_free (d);
}

static void
topk_result_free (gpointer data)
{
  TopkResult *r = data;

  for (int i = 0; i < 2; i++)
    g_clear_pointer (&r->top[i], pl_topk_free);
  g_free (r);
}

static void
topk_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  TopkData *d = task_data;
  TopkResult *r = g_new0 (TopkResult, 1);

  for (int i = 0; i < 2; i++)
    if (d->ids[i] != NULL && d->ids[i]->len > 0 && !g_cancellable_is_cancelled (cancellable))
      r->top[i] = pl_model_topk (pl_loaded_model_get (d->model), (gint32 *) d->ids[i]->data,
                                 (int) d->ids[i]->len, d->k, NULL);
  g_task_return_pointer (task, r, topk_result_free);
}

static void
on_topk_done (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  TopkResult *r = g_task_propagate_pointer (G_TASK (res), &error);
  PlWindow *self = user_data;

  if (r == NULL)   /* cancelled: self may be gone */
    return;
  if (self->job == NULL)   /* a running sweep brings its own tables */
    {
      pl_topk_table_set_topk (self->clean_table, r->top[0]);
      pl_topk_table_set_topk (self->corrupted_table, r->top[1]);
    }
  topk_result_free (r);
  update_suggestions (self);
}

static GArray *
encode_entry (PlWindow *self,
              GtkEntry *entry)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));
  GArray *ids;

  if (!*text)
    return NULL;
  ids = pl_tokenizer_encode (pl_window_tokenizer (self), text, -1, NULL);
  if (ids != NULL && (int) ids->len > model_n_ctx (self))
    g_clear_pointer (&ids, g_array_unref);
  return ids;
}

static gboolean
start_topk (gpointer data)
{
  PlWindow *self = data;
  g_autoptr(GTask) task = NULL;
  TopkData *d;

  self->topk_timeout = 0;
  if (self->model == NULL)
    return G_SOURCE_REMOVE;
  g_cancellable_cancel (self->topk_cancellable);
  g_clear_object (&self->topk_cancellable);
  self->topk_cancellable = g_cancellable_new ();
  d = g_new0 (TopkData, 1);
  d->model = pl_loaded_model_ref (self->model);
  d->ids[0] = encode_entry (self, self->clean_entry);
  d->ids[1] = encode_entry (self, self->corrupted_entry);
  d->k = gtk_spin_button_get_value_as_int (self->topk_spin);
  task = g_task_new (NULL, self->topk_cancellable, on_topk_done, self);
  g_task_set_task_data (task, d, topk_data_free);
  g_task_run_in_thread (task, topk_thread);
  return G_SOURCE_REMOVE;
}

static void
schedule_topk (PlWindow *self)
{
  g_clear_handle_id (&self->topk_timeout, g_source_remove);
  if (self->model == NULL)
    return;
  self->topk_timeout = g_timeout_add (TOPK_DEBOUNCE_MS, start_topk, self);
}

static void
on_topk_changed (PlWindow *self)
{
  int k = gtk_spin_button_get_value_as_int (self->topk_spin);

  if (self->settings != NULL)
    g_settings_set_int (self->settings, "top-k", k);
  schedule_topk (self);
  if (self->sel_layer >= 0)
    pl_window_select_cell (self, self->sel_layer, self->sel_pos);
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

/* ---- the model ---- */

static void
show_center_page (PlWindow *self)
{
  const char *page = "empty";

  if (self->n_rows > 0)
    page = "heatmap";
  else if (self->model == NULL)
    page = self->model_loading ? "loading" : "no-model";
  gtk_stack_set_visible_child_name (self->center_stack, page);
}

static void
update_model_labels (PlWindow *self)
{
  if (self->model != NULL)
    {
      PlModel *m = pl_loaded_model_get (self->model);
      const PlConfig *cfg = pl_model_config (m);
      g_autofree char *size = g_format_size (pl_model_file_size (m));
      g_autofree char *info = NULL;

      /* Translators: model size line: parameters (millions), layers, heads, width, file size */
      info = g_strdup_printf (_("%.0f M parameters · %d layers · %d heads · %d wide · %s"),
                              pl_model_n_params (m) / 1e6, cfg->n_layer, cfg->n_head,
                              cfg->n_embd, size);
      gtk_label_set_text (self->model_button_label, pl_model_name (m));
      gtk_label_set_text (self->model_name_label, pl_model_name (m));
      gtk_label_set_text (self->model_size_label, info);
      gtk_label_set_text (self->model_path_label, pl_model_path (m));
    }
  else
    {
      gtk_label_set_text (self->model_button_label,
                          self->model_loading ? _("Loading…") : _("No Model"));
      gtk_label_set_text (self->model_name_label, _("No model loaded"));
      gtk_label_set_text (self->model_size_label, "");
      gtk_label_set_text (self->model_path_label, "");
    }
  gtk_widget_set_visible (GTK_WIDGET (self->model_spinner), self->model_loading);
  gtk_spinner_set_spinning (self->model_spinner, self->model_loading);
}

static void
update_searched_label (PlWindow     *self,
                       const GError *error)
{
  g_auto(GStrv) paths = pl_model_store_search_paths ("gpt2");
  g_autoptr(GString) s = g_string_new (NULL);

  if (error != NULL && !g_error_matches (error, PL_ERROR, PL_ERROR_NOT_FOUND))
    g_string_append_printf (s, "%s\n\n", error->message);
  g_string_append (s, _("Searched for gpt2 in:"));
  for (int i = 0; paths != NULL && paths[i]; i++)
    g_string_append_printf (s, "\n• %s", paths[i]);
  gtk_label_set_text (self->searched_label, s->str);
}

static void
on_model_loaded (GObject      *source,
                 GAsyncResult *res,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  PlLoadedModel *lm = pl_model_loader_load_finish (res, &error);
  GCancellable *cancellable = g_task_get_cancellable (G_TASK (res));
  gboolean startup = g_object_get_data (G_OBJECT (cancellable), "startup") != NULL;
  PlWindow *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* a newer load, or the window closed: self may be gone */
  self = user_data;
  self->model_loading = FALSE;
  if (lm == NULL)
    {
      update_searched_label (self, error);
      /* At startup, a missing model is the status page's job, not an error. */
      if (self->model != NULL || !startup)
        pl_window_show_error (self, _("Could Not Load the Model"), error);
    }
  else
    {
      g_clear_pointer (&self->model, pl_loaded_model_unref);
      self->model = lm;
      if (self->settings != NULL)
        g_settings_set_string (self->settings, "last-model",
                               pl_model_path (pl_loaded_model_get (lm)));
      pl_window_validate (self);   /* the model's tokenizer and context length */
    }
  update_model_labels (self);
  show_center_page (self);
  pl_window_update_actions (self);
}

static void
load_model_full (PlWindow   *self,
                 const char *name_or_dir,
                 gboolean    startup)
{
  g_cancellable_cancel (self->model_cancellable);
  g_clear_object (&self->model_cancellable);
  self->model_cancellable = g_cancellable_new ();
  self->model_loading = TRUE;
  update_model_labels (self);
  show_center_page (self);
  if (startup)   /* read back in on_model_loaded */
    g_object_set_data (G_OBJECT (self->model_cancellable), "startup", GINT_TO_POINTER (1));
  pl_model_loader_load_async (name_or_dir, self->model_cancellable, on_model_loaded, self);
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

/* ---- download ---- */

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

static void
end_download (PlWindow *self)
{
  if (self->download != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->download, self);
      pl_download_job_cancel (self->download);
      g_clear_object (&self->download);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->download_box), FALSE);
  pl_window_update_actions (self);
}

static void
on_download_finished (PlDownloadJob *job,
                      PlWindow      *self)
{
  g_autofree char *dir = g_strdup (pl_download_job_get_dir (job));
  g_autoptr(GError) error = pl_download_job_get_error (job)
                            ? g_error_copy (pl_download_job_get_error (job)) : NULL;

  end_download (self);
  if (dir == NULL)
    {
      pl_window_show_error (self, _("The Download Failed"), error);
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
  pl_download_job_start (self->download);
  pl_window_update_actions (self);
}

void
pl_window_cancel_download (PlWindow *self)
{
  if (self->download == NULL)
    return;
  end_download (self);
  pl_window_toast (self, _("Download cancelled; it resumes where it stopped next time"));
}

/* ---- the heatmap's contents ---- */

static void
set_grid (PlWindow           *self,
          int                 n_rows,
          int                 n_cols,
          const char * const *labels)
{
  g_free (self->matrix);
  g_strfreev (self->col_labels);
  self->n_rows = n_rows;
  self->n_cols = n_cols;
  self->matrix = g_new (float, (gsize) MAX (n_rows * n_cols, 1));
  for (int i = 0; i < n_rows * n_cols; i++)
    self->matrix[i] = NAN;
  self->col_labels = g_strdupv ((char **) labels);
  self->sel_layer = self->sel_pos = -1;
}

static void
set_hover_hint (PlWindow *self)
{
  gtk_label_set_text (self->hover_label, self->n_rows > 0
                      ? _("Hover a cell for its value; click it for the patched run's predictions.")
                      : "");
}

/* Shows a finished sweep; takes the sr ref (NULL clears). */
static void
set_shared_result (PlWindow       *self,
                   PlSharedResult *sr)
{
  PlSweepResult *result = sr ? pl_shared_result_get (sr) : NULL;
  PlHeatmap *hm;

  g_clear_pointer (&self->result, pl_shared_result_unref);
  g_clear_pointer (&self->result_model, pl_loaded_model_unref);
  if (result == NULL)
    {
      set_grid (self, 0, 0, NULL);
      pl_heatmap_view_set_heatmap (self->heatmap_view, NULL);
      show_center_page (self);
      pl_window_update_actions (self);
      return;
    }
  self->result = sr;
  set_grid (self, result->n_layers, result->n_positions,
            (const char * const *) result->inputs->clean.pieces);
  memcpy (self->matrix, result->matrix,
          (gsize) result->n_layers * result->n_positions * sizeof (float));
  hm = pl_heatmap_new_from_result (result);
  pl_heatmap_set_row_title (hm, _("Layer"));
  pl_heatmap_set_col_title (hm, _("Position (token)"));
  pl_heatmap_view_set_heatmap (self->heatmap_view, hm);
  pl_topk_table_set_topk (self->clean_table, result->clean_topk);
  pl_topk_table_set_topk (self->corrupted_table, result->corrupted_topk);
  pl_topk_table_set_topk (self->cell_table, NULL);
  set_hover_hint (self);
  show_center_page (self);
  update_suggestions (self);
  pl_window_update_actions (self);
}

void
pl_window_set_result (PlWindow      *self,
                      PlSweepResult *result)
{
  set_shared_result (self, result ? pl_shared_result_new (result) : NULL);
}

PlSweepResult *
pl_window_get_result (PlWindow *self)
{
  return self->result ? pl_shared_result_get (self->result) : NULL;
}

/* ---- the sweep ---- */

static void
end_job (PlWindow *self)
{
  if (self->job != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->job, self);
      pl_sweep_job_cancel (self->job);
      g_clear_object (&self->job);
    }
  gtk_revealer_set_reveal_child (self->progress_revealer, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), FALSE);
  pl_window_update_actions (self);
}

static char *
describe_time_left (double seconds)
{
  if (seconds < 1)
    return g_strdup (_("less than a second left"));
  if (seconds < 90)
    return g_strdup_printf (ngettext ("%d second left", "%d seconds left", (int) seconds),
                            (int) seconds);
  return g_strdup_printf (ngettext ("%d minute left", "%d minutes left",
                                    (int) (seconds / 60 + 0.5)),
                          (int) (seconds / 60 + 0.5));
}

static void
on_job_progress (PlSweepJob *job,
                 PlWindow   *self)
{
  int done, total;
  double elapsed;
  const float *m = pl_sweep_job_get_matrix (job, &done, &total, &elapsed);
  g_autofree char *text = NULL, *left = NULL;

  if (m == NULL || total <= 0)
    return;
  memcpy (self->matrix, m, (gsize) self->n_rows * self->n_cols * sizeof (float));
  pl_heatmap_view_update_values (self->heatmap_view, m);
  gtk_progress_bar_set_fraction (self->progress_bar, (double) done / total);
  left = done > 0 ? describe_time_left (elapsed * (total - done) / done) : g_strdup ("");
  /* Translators: sweep progress: cells done / total, then the time left */
  text = g_strdup_printf (_("%d / %d cells · %s"), done, total, left);
  gtk_label_set_text (self->progress_label, text);
}

static void
on_job_finished (PlSweepJob *job,
                 PlWindow   *self)
{
  PlSharedResult *sr = pl_sweep_job_get_result (job);
  g_autoptr(GError) error = pl_sweep_job_get_error (job)
                            ? g_error_copy (pl_sweep_job_get_error (job)) : NULL;
  g_autoptr(PlLoadedModel) model = pl_sweep_job_get_model (job);
  g_autofree char *msg = NULL;

  sr = sr ? pl_shared_result_ref (sr) : NULL;   /* outlives the job, dropped below */
  end_job (self);
  if (sr == NULL)
    {
      pl_window_show_error (self, _("The Sweep Failed"), error);
      return;
    }
  msg = g_strdup_printf (_("Sweep finished in %.1f s"), pl_shared_result_get (sr)->seconds);
  set_shared_result (self, sr);
  self->result_model = g_steal_pointer (&model);
  pl_window_toast (self, msg);
}

gboolean
pl_window_run (PlWindow *self)
{
  PlSweepOptions opt = PL_SWEEP_OPTIONS_INIT;
  PlHeatmap *hm;
  const PlConfig *cfg;
  g_autofree char *label = NULL;

  if (self->model == NULL || self->inputs == NULL)
    return FALSE;
  end_job (self);
  pl_window_set_result (self, NULL);
  cfg = pl_model_config (pl_loaded_model_get (self->model));
  opt.site = pl_window_get_site (self);
  opt.metric = pl_window_get_metric (self);
  opt.top_k = gtk_spin_button_get_value_as_int (self->topk_spin);

  set_grid (self, cfg->n_layer, self->inputs->clean.n_tokens,
            (const char * const *) self->inputs->clean.pieces);
  hm = pl_heatmap_new (self->n_rows, self->n_cols);
  for (int c = 0; c < self->n_cols; c++)
    pl_heatmap_set_col_label (hm, c, self->col_labels[c]);
  label = pl_metric_describe (opt.metric, self->inputs->clean_answer,
                              self->inputs->corrupted_answer);
  pl_heatmap_set_value_label (hm, label);
  pl_heatmap_set_row_title (hm, _("Layer"));
  pl_heatmap_set_col_title (hm, _("Position (token)"));
  {
    g_autofree char *title = g_strdup_printf (_("%s patching: %s"), pl_site_to_string (opt.site),
                                              pl_model_name (pl_loaded_model_get (self->model)));
    pl_heatmap_set_title (hm, title);
  }
  pl_heatmap_view_set_heatmap (self->heatmap_view, hm);
  set_hover_hint (self);
  show_center_page (self);

  self->job = pl_sweep_job_new (self->model, self->inputs, &opt);
  g_signal_connect (self->job, "progress", G_CALLBACK (on_job_progress), self);
  g_signal_connect (self->job, "finished", G_CALLBACK (on_job_finished), self);
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_label_set_text (self->progress_label, _("Starting…"));
  gtk_revealer_set_reveal_child (self->progress_revealer, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), TRUE);
  pl_sweep_job_start (self->job);
  pl_window_update_actions (self);
  return TRUE;
}

void
pl_window_cancel (PlWindow *self)
{
  if (self->job == NULL)
    return;
  end_job (self);
  pl_window_toast (self, _("Sweep cancelled"));
}

gboolean
pl_window_is_busy (PlWindow *self)
{
  return self->model_loading || self->job != NULL;
}

/* ---- hover and click on the heatmap ---- */

static void
on_cell_hovered (PlHeatmapView *view,
                 int            row,
                 int            col,
                 PlWindow      *self)
{
  g_autofree char *text = NULL, *token = NULL;
  float v;

  if (row < 0 || col < 0 || row >= self->n_rows || col >= self->n_cols)
    {
      set_hover_hint (self);
      return;
    }
  token = pl_token_display (self->col_labels && self->col_labels[col] ? self->col_labels[col] : "");
  v = self->matrix[row * self->n_cols + col];
  if (isnan (v))
    /* Translators: hover line: layer, position, token; the value is not computed yet */
    text = g_strdup_printf (_("Layer %d · position %d “%s” · not computed yet"), row, col, token);
  else
    /* Translators: hover line: layer, position, token, metric name, value */
    text = g_strdup_printf (_("Layer %d · position %d “%s” · %s = %.4f"), row, col, token,
                            pl_metric_to_string (pl_window_get_metric (self)), v);
  gtk_label_set_text (self->hover_label, text);
}

typedef struct {
  PlLoadedModel  *model;
  PlSharedResult *result;
  int             layer, pos, k;
} CellData;

static void
cell_data_free (gpointer data)
{
  CellData *d = data;

  pl_loaded_model_unref (d->model);
  pl_shared_result_unref (d->result);
  g_free (d);
}

static void
cell_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  CellData *d = task_data;
  PlTopK *top = pl_sweep_cell_topk (pl_loaded_model_get (d->model),
                                    pl_shared_result_get (d->result), d->layer, d->pos, d->k);

  if (top == NULL)
    g_task_return_new_error (task, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
                             _("No predictions for layer %d, position %d."), d->layer, d->pos);
  else
    g_task_return_pointer (task, top, (GDestroyNotify) pl_topk_free);
}

static void
on_cell_topk_done (GObject      *source,
                   GAsyncResult *res,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PlTopK) top = g_task_propagate_pointer (G_TASK (res), &error);
  PlWindow *self = user_data;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  pl_topk_table_set_topk (self->cell_table, top);
  if (top == NULL)
    pl_topk_table_set_placeholder (self->cell_table, error->message);
}

void
pl_window_select_cell (PlWindow *self,
                       int       layer,
                       int       pos)
{
  PlSweepResult *r = pl_window_get_result (self);
  g_autoptr(GTask) task = NULL;
  g_autofree char *caption = NULL, *token = NULL;
  CellData *d;

  if (layer < 0 || pos < 0 || layer >= self->n_rows || pos >= self->n_cols)
    return;
  self->sel_layer = layer;
  self->sel_pos = pos;
  token = pl_token_display (self->col_labels[pos] ? self->col_labels[pos] : "");
  caption = g_strdup_printf (_("Next tokens of the corrupted run with layer %d at position %d (“%s”) patched from the clean run"),
                             layer, pos, token);
  pl_topk_table_set_caption (self->cell_table, caption);
  pl_topk_table_set_topk (self->cell_table, NULL);
  gtk_stack_set_visible_child_name (self->topk_stack, "cell");
  if (r == NULL || r->final_hidden == NULL || self->result_model == NULL)
    {
      pl_topk_table_set_placeholder (self->cell_table, r == NULL
          ? _("The sweep is still running; click the cell again when it is done.")
          : _("This result was opened from a file; run the sweep again to see a cell's predictions."));
      return;
    }
  pl_topk_table_set_placeholder (self->cell_table, _("Computing…"));
  g_cancellable_cancel (self->cell_cancellable);
  g_clear_object (&self->cell_cancellable);
  self->cell_cancellable = g_cancellable_new ();
  d = g_new0 (CellData, 1);
  d->model = pl_loaded_model_ref (self->result_model);
  d->result = pl_shared_result_ref (self->result);
  d->layer = layer;
  d->pos = pos;
  d->k = gtk_spin_button_get_value_as_int (self->topk_spin);
  task = g_task_new (NULL, self->cell_cancellable, on_cell_topk_done, self);
  g_task_set_task_data (task, d, cell_data_free);
  g_task_run_in_thread (task, cell_thread);
}

static void
on_cell_activated (PlHeatmapView *view,
                   int            row,
                   int            col,
                   PlWindow      *self)
{
  pl_window_select_cell (self, row, col);
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
  end_job (self);
  end_download (self);
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
  BIND (heatmap_view); BIND (hover_label); BIND (topk_spin); BIND (topk_stack);
  BIND (recent_section); BIND (presets_section);
  BIND (clean_table); BIND (corrupted_table); BIND (cell_table);
  gtk_widget_class_bind_template_callback (widget_class, on_text_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_options_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_topk_changed);
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
  g_signal_connect (self->heatmap_view, "cell-hovered", G_CALLBACK (on_cell_hovered), self);
  g_signal_connect (self->heatmap_view, "cell-activated", G_CALLBACK (on_cell_activated), self);

  pl_window_setup_actions (self);
  update_searched_label (self, NULL);
  update_model_labels (self);
  show_center_page (self);
  pl_window_validate (self);
}

PlWindow *
pl_window_new (GtkApplication *app)
{
  return g_object_new (PL_TYPE_WINDOW, "application", app, NULL);
}
