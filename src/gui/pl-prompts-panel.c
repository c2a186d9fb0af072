/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-prompts-panel.c: PlPromptsPanel: tokenizing both prompts into chips as the user
 * types, the validation line, each answer's one-token check, the suggested answers; the
 * bindings of its entries and drop-downs to the document.
 */
#include "config.h"

#include "pl-prompts-panel.h"

#include <glib/gi18n.h>

#include "pl-inputs.h"

struct _PlPromptsPanel {
  GtkWidget     parent_instance;

  GtkEntry     *clean_entry;
  GtkEntry     *corrupted_entry;
  PlTokenStrip *clean_strip;
  PlTokenStrip *corrupted_strip;
  GtkBox       *validation_box;
  GtkImage     *validation_icon;
  GtkLabel     *validation_label;
  GtkEntry     *clean_answer_entry;
  GtkEntry     *corrupted_answer_entry;
  GtkLabel     *clean_answer_status;
  GtkLabel     *corrupted_answer_status;
  GtkFlowBox   *suggestion_box;
  GtkMenuButton *site_button;
  GtkDropDown  *granularity_dropdown;
  GtkDropDown  *direction_dropdown;
  GtkLabel     *direction_label;
  GtkDropDown  *metric_dropdown;
  GSimpleActionGroup *actions;   /* "panel.site", the site menu's radio items */

  PlDocument   *doc;
  GPtrArray    *bindings;        /* GBinding, to the document */
  PlTokenizer  *tok;             /* borrowed from the window */
  int           n_ctx;
  PlInputs     *inputs;          /* the four texts when all are valid */
  PlTopK       *predictions[2];  /* clean, corrupted: for the suggestions */
  double        tokenize_ms;     /* the last validation's tokenizing time */
};

G_DEFINE_FINAL_TYPE (PlPromptsPanel, pl_prompts_panel, GTK_TYPE_WIDGET)

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void update_suggestions (PlPromptsPanel *self);

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
set_validation (PlPromptsPanel *self,
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

/* The validation line for two tokenized, non-empty prompts. Returns TRUE when they
 * can be patched (same length). */
static gboolean
describe_prompts (PlPromptsPanel *self,
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
validate_prompts (PlPromptsPanel *self,
                  PlPrompt *clean,
                  PlPrompt *corrupted)
{
  PlTokenizer *tok = self->tok;
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
  if ((*ct && !pl_prompt_init (clean, tok, ct, _("clean prompt"), self->n_ctx, &error)) ||
      (*rt && !pl_prompt_init (corrupted, tok, rt, _("corrupted prompt"), self->n_ctx,
                               &error)))
    {
      set_validation (self, "error", error->message);
      return FALSE;
    }
  dc = g_new0 (gboolean, MAX (clean->n_tokens, 1));
  dr = g_new0 (gboolean, MAX (corrupted->n_tokens, 1));
  n_diff = (*ct && *rt) ? pl_prompt_mark_differences (clean, corrupted, dc, dr) : 0;
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
validate_answer (PlPromptsPanel *self,
                 GtkEntry *entry,
                 GtkLabel *status)
{
  PlTokenizer *tok = self->tok;
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
pl_prompts_panel_validate (PlPromptsPanel *self)
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

      self->inputs = pl_inputs_prepare (self->tok, self->n_ctx,
          gtk_editable_get_text (GTK_EDITABLE (self->clean_entry)),
          gtk_editable_get_text (GTK_EDITABLE (self->corrupted_entry)),
          gtk_editable_get_text (GTK_EDITABLE (self->clean_answer_entry)),
          gtk_editable_get_text (GTK_EDITABLE (self->corrupted_answer_entry)), &error);
      if (self->inputs == NULL)
        set_validation (self, "error", error->message);
    }
  update_suggestions (self);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
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
                       PlPromptsPanel *self)
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
add_suggestion (PlPromptsPanel *self,
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
update_suggestions (PlPromptsPanel *self)
{
  GtkWidget *child;
  const PlTopK *tops[2] = { self->predictions[0], self->predictions[1] };
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
/* ---- site, granularity and direction ---- */

/* The site button's label: the menu item's text. */
static const char *
site_label (PlSite site)
{
  static const char *const labels[PL_N_SITES] = {
    N_("Residual stream after block"), N_("Residual stream before block"),
    N_("Attention output"), N_("MLP output"), N_("Head output (z)"), N_("Head query"),
    N_("Head key"), N_("Head value"), N_("Head pattern"),
  };

  return _(labels[site]);
}

/* What a result in the chosen direction tests, said under the controls. */
static const char *
direction_sentence (PlDirection direction)
{
  return direction == PL_DIRECTION_NOISE
    ? _("Noising runs the clean prompt with one component taken from the corrupted run: "
        "it tests whether that component is necessary for the clean behaviour.")
    : _("Denoising runs the corrupted prompt with one component taken from the clean run: "
        "it tests whether that component is sufficient to bring the clean behaviour back.");
}

/* The document's site, direction and granularity into the controls that are not
 * bound to it (the site menu's state, the button's label, what is sensitive). */
static void
sync_site (PlPromptsPanel *self)
{
  PlSite site = pl_document_get_site (self->doc);
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self->actions), "site");

  g_simple_action_set_state (G_SIMPLE_ACTION (action),
                             g_variant_new_string (pl_site_to_string (site)));
  gtk_menu_button_set_label (self->site_button, site_label (site));
  /* Block sites have one granularity (layer × position). */
  gtk_widget_set_sensitive (GTK_WIDGET (self->granularity_dropdown), pl_site_is_head (site));
  gtk_label_set_text (self->direction_label,
                      direction_sentence (pl_document_get_direction (self->doc)));
}

static void
on_site_change_state (GSimpleAction *action,
                      GVariant      *value,
                      gpointer       user_data)
{
  PlPromptsPanel *self = user_data;
  PlSite site;

  if (self->doc == NULL || !pl_site_from_string (g_variant_get_string (value, NULL), &site))
    return;
  pl_document_set_site (self->doc, site);   /* notify::site syncs the state */
}

static gboolean
by_position_to_selected (GBinding     *binding,
                         const GValue *from,
                         GValue       *to,
                         gpointer      data)
{
  g_value_set_uint (to, g_value_get_boolean (from) ? 1 : 0);
  return TRUE;
}

static gboolean
selected_to_by_position (GBinding     *binding,
                         const GValue *from,
                         GValue       *to,
                         gpointer      data)
{
  guint selected = g_value_get_uint (from);

  if (selected == GTK_INVALID_LIST_POSITION)
    return FALSE;
  g_value_set_boolean (to, selected == 1);
  return TRUE;
}

static void
bind_sweep_options (PlPromptsPanel *self,
                    PlDocument     *doc)
{
  GBindingFlags flags = G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE;

  g_ptr_array_add (self->bindings,
                   g_object_bind_property (doc, "direction", self->direction_dropdown,
                                           "selected", flags));
  g_ptr_array_add (self->bindings,
                   g_object_bind_property_full (doc, "by-position", self->granularity_dropdown,
                                                "selected", flags, by_position_to_selected,
                                                selected_to_by_position, NULL, NULL));
  g_signal_connect_swapped (doc, "notify::site", G_CALLBACK (sync_site), self);
  g_signal_connect_swapped (doc, "notify::direction", G_CALLBACK (sync_site), self);
  sync_site (self);
}

/* ---- the document ---- */

static void
on_text_notify (PlPromptsPanel *self)
{
  pl_prompts_panel_validate (self);
}

static void
unbind_document (PlPromptsPanel *self)
{
  if (self->doc == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->doc, self);
  for (guint i = 0; i < self->bindings->len; i++)
    g_binding_unbind (self->bindings->pdata[i]);
  g_ptr_array_set_size (self->bindings, 0);
  g_clear_object (&self->doc);
}

void
pl_prompts_panel_set_document (PlPromptsPanel *self,
                               PlDocument     *doc)
{
  static const char *texts[] = { "clean", "corrupted", "clean-answer", "corrupted-answer" };
  GtkEntry *entries[] = { self->clean_entry, self->corrupted_entry,
                          self->clean_answer_entry, self->corrupted_answer_entry };
  GBindingFlags flags = G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE;

  unbind_document (self);
  if (doc == NULL)
    return;
  self->doc = g_object_ref (doc);
  for (int i = 0; i < PL_N_TEXTS; i++)
    {
      g_autofree char *signal = g_strconcat ("notify::", texts[i], NULL);

      g_ptr_array_add (self->bindings,
                       g_object_bind_property (doc, texts[i], entries[i], "text", flags));
      g_signal_connect_swapped (doc, signal, G_CALLBACK (on_text_notify), self);
    }
  g_ptr_array_add (self->bindings,
                   g_object_bind_property (doc, "metric", self->metric_dropdown, "selected",
                                           flags));
  bind_sweep_options (self, doc);
  pl_prompts_panel_validate (self);
}

void
pl_prompts_panel_set_tokenizer (PlPromptsPanel *self,
                                PlTokenizer    *tok,
                                int             n_ctx)
{
  self->tok = tok;
  self->n_ctx = n_ctx;
  pl_prompts_panel_validate (self);
}

const PlInputs *
pl_prompts_panel_get_inputs (PlPromptsPanel *self)
{
  return self->inputs;
}

void
pl_prompts_panel_set_predictions (PlPromptsPanel *self,
                                  const PlTopK   *clean,
                                  const PlTopK   *corrupted)
{
  const PlTopK *tops[2] = { clean, corrupted };

  for (int i = 0; i < 2; i++)
    {
      g_clear_pointer (&self->predictions[i], pl_topk_free);
      self->predictions[i] = tops[i] ? pl_topk_copy (tops[i]) : NULL;
    }
  update_suggestions (self);
}

/* ---- for tests ---- */

GtkEditable *
pl_prompts_panel_get_entry (PlPromptsPanel *self,
                            PlText          which)
{
  GtkEntry *entries[] = { self->clean_entry, self->corrupted_entry,
                          self->clean_answer_entry, self->corrupted_answer_entry };

  return GTK_EDITABLE (entries[which]);
}

PlTokenStrip *
pl_prompts_panel_get_strip (PlPromptsPanel *self,
                            gboolean        corrupted)
{
  return corrupted ? self->corrupted_strip : self->clean_strip;
}

GtkWidget *
pl_prompts_panel_get_validation (PlPromptsPanel *self)
{
  return GTK_WIDGET (self->validation_box);
}

const char *
pl_prompts_panel_get_validation_text (PlPromptsPanel *self)
{
  return gtk_label_get_text (self->validation_label);
}

GtkLabel *
pl_prompts_panel_get_answer_status (PlPromptsPanel *self,
                                    gboolean        corrupted)
{
  return corrupted ? self->corrupted_answer_status : self->clean_answer_status;
}

GtkWidget *
pl_prompts_panel_get_suggestions (PlPromptsPanel *self)
{
  return GTK_WIDGET (self->suggestion_box);
}

GtkMenuButton *
pl_prompts_panel_get_site_button (PlPromptsPanel *self)
{
  return self->site_button;
}

GtkDropDown *
pl_prompts_panel_get_granularity_dropdown (PlPromptsPanel *self)
{
  return self->granularity_dropdown;
}

GtkDropDown *
pl_prompts_panel_get_direction_dropdown (PlPromptsPanel *self)
{
  return self->direction_dropdown;
}

const char *
pl_prompts_panel_get_direction_text (PlPromptsPanel *self)
{
  return gtk_label_get_text (self->direction_label);
}

double
pl_prompts_panel_get_tokenize_ms (PlPromptsPanel *self)
{
  return self->tokenize_ms;
}

/* ---- GObject ---- */

static void
pl_prompts_panel_dispose (GObject *object)
{
  PlPromptsPanel *self = PL_PROMPTS_PANEL (object);

  unbind_document (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), PL_TYPE_PROMPTS_PANEL);
  /* The template's root has no id: gtk_widget_dispose_template leaves it. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self)));)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (pl_prompts_panel_parent_class)->dispose (object);
}

static void
pl_prompts_panel_finalize (GObject *object)
{
  PlPromptsPanel *self = PL_PROMPTS_PANEL (object);

  g_ptr_array_unref (self->bindings);
  g_clear_object (&self->actions);
  g_clear_pointer (&self->inputs, pl_inputs_free);
  for (int i = 0; i < 2; i++)
    g_clear_pointer (&self->predictions[i], pl_topk_free);
  G_OBJECT_CLASS (pl_prompts_panel_parent_class)->finalize (object);
}

#define BIND(name) gtk_widget_class_bind_template_child (widget_class, PlPromptsPanel, name)

static void
pl_prompts_panel_class_init (PlPromptsPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pl_prompts_panel_dispose;
  object_class->finalize = pl_prompts_panel_finalize;
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 0);
  g_type_ensure (PL_TYPE_TOKEN_STRIP);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/patchlens/Patchlens/pl-prompts-panel.ui");
  BIND (clean_entry); BIND (corrupted_entry); BIND (clean_strip); BIND (corrupted_strip);
  BIND (validation_box); BIND (validation_icon); BIND (validation_label);
  BIND (clean_answer_entry); BIND (corrupted_answer_entry);
  BIND (clean_answer_status); BIND (corrupted_answer_status); BIND (suggestion_box);
  BIND (site_button); BIND (granularity_dropdown); BIND (direction_dropdown);
  BIND (direction_label); BIND (metric_dropdown);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
pl_prompts_panel_init (PlPromptsPanel *self)
{
  static const GActionEntry entries[] = {
    { .name = "site", .parameter_type = "s", .state = "'resid_post'",
      .change_state = on_site_change_state },
  };

  gtk_widget_init_template (GTK_WIDGET (self));
  self->bindings = g_ptr_array_new ();
  self->actions = g_simple_action_group_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self->actions), entries,
                                   G_N_ELEMENTS (entries), self);
  gtk_widget_insert_action_group (GTK_WIDGET (self), "panel", G_ACTION_GROUP (self->actions));
}

/* The prompts' section holds the clean entry; the answers' section the grid of the
 * answer entries. */
void
pl_prompts_panel_show_texts (PlPromptsPanel *self,
                             gboolean        visible)
{
  GtkWidget *prompts = gtk_widget_get_parent (GTK_WIDGET (self->clean_entry));
  GtkWidget *answers = gtk_widget_get_parent (gtk_widget_get_parent (
                                                GTK_WIDGET (self->clean_answer_entry)));

  GtkWidget *scroller = gtk_widget_get_first_child (GTK_WIDGET (self));

  gtk_widget_set_visible (prompts, visible);
  gtk_widget_set_visible (answers, visible);
  /* Alone, the site and metric take their own height rather than scroll in a sliver. */
  if (GTK_IS_SCROLLED_WINDOW (scroller))
    gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), !visible);
}
