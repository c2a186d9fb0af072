/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-window-inputs.c: the left column as the user types: tokenizing both prompts
 * into chips, the validation line, each answer's one-token check, the suggested answers,
 * and the unpatched top-k tables (debounced, computed on a worker thread).
 */
#include "config.h"

#include "pl-window-private.h"

#include <glib/gi18n.h>

#include "pl-inputs.h"

#define TOPK_DEBOUNCE_MS 250

static void schedule_topk (PlWindow *self);

/* ---- the validation line ---- */

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
  if ((*ct && !pl_prompt_init (clean, tok, ct, _("clean prompt"), pl_window_model_n_ctx (self), &error)) ||
      (*rt && !pl_prompt_init (corrupted, tok, rt, _("corrupted prompt"), pl_window_model_n_ctx (self),
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

      self->inputs = pl_inputs_prepare (pl_window_tokenizer (self), pl_window_model_n_ctx (self),
          gtk_editable_get_text (GTK_EDITABLE (self->clean_entry)),
          gtk_editable_get_text (GTK_EDITABLE (self->corrupted_entry)),
          gtk_editable_get_text (GTK_EDITABLE (self->clean_answer_entry)),
          gtk_editable_get_text (GTK_EDITABLE (self->corrupted_answer_entry)), &error);
      if (self->inputs == NULL)
        set_validation (self, "error", error->message);
    }
  pl_window_update_suggestions (self);
  schedule_topk (self);
  pl_window_update_actions (self);
}

void
pl_window_on_text_changed (PlWindow *self)
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
void
pl_window_update_suggestions (PlWindow *self)
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
  pl_window_update_suggestions (self);
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
  if (ids != NULL && (int) ids->len > pl_window_model_n_ctx (self))
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

void
pl_window_on_topk_changed (PlWindow *self)
{
  int k = gtk_spin_button_get_value_as_int (self->topk_spin);

  if (self->settings != NULL)
    g_settings_set_int (self->settings, "top-k", k);
  schedule_topk (self);
  if (self->sel_layer >= 0)
    pl_window_select_cell (self, self->sel_layer, self->sel_pos);
}

