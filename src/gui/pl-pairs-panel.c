/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-pairs-panel.c: PlPairsPanel: the table of pairs, its sync with the document,
 * its per-row checks, and the row dialog's hook (its checks of a draft, its Save). The
 * table's columns are in pl-pair-columns.c.
 */
#include "config.h"

#include "pl-pairs-panel.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pl-error.h"
#include "pl-pair-columns.h"
#include "pl-pair-dialog.h"
#include "pl-pair-row.h"

struct _PlPairsPanel {
  GtkWidget           parent_instance;

  GtkColumnView      *column_view;
  GtkLabel           *count_label;
  GtkImage           *status_icon;
  GtkLabel           *status_label;

  GListStore         *rows;        /* PlPairRow */
  GtkSingleSelection *selection;
  PlDocument         *doc;
  PlTokenizer        *tok;         /* borrowed */
  int                 n_ctx;
  PlPairSet          *set;         /* the checked set; NULL while a row fails */
  char               *problem;     /* why set is NULL */
  gboolean            syncing;     /* writing the rows to the document */
  gboolean            saving;      /* a dialog writing a row's texts (one update) */
  GHashTable         *checks;      /* PlPairRow * -> RowCheck *: the last check of each */
};

G_DEFINE_FINAL_TYPE (PlPairsPanel, pl_pairs_panel, GTK_TYPE_WIDGET)

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* The table's name for the set in the core's messages ("pairs: line 3: …"), which the
 * table leaves out: what follows is the CLI's message after its file name. */
#define SET_NAME "pairs"

static char *
row_message (const GError *error)
{
  const char *m = error->message;

  if (g_str_has_prefix (m, SET_NAME ": "))
    m += strlen (SET_NAME ": ");
  return g_strdup (m);
}

/* ---- text to rows ---- */

/* "clean<TAB>corrupted<TAB>clean answer<TAB>corrupted answer", as a spreadsheet copies. */
static PlPairRow *
row_from_tabs (const char *line)
{
  g_auto(GStrv) f = g_strsplit (line, "\t", -1);

  if (g_strv_length (f) != 4)
    return NULL;
  return pl_pair_row_new (f[0], f[1], f[2], f[3], NULL);
}

GPtrArray *
pl_pair_rows_parse (const char *text,
                    const char *file,
                    GError    **error)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_object_unref);

  for (int i = 0; lines[i] != NULL; i++)
    {
      char *line = lines[i];
      gsize len = strlen (line);
      PlPairRow *row;

      g_autofree char *trim = NULL;

      if (len > 0 && line[len - 1] == '\r')
        line[len - 1] = '\0';
      trim = g_strstrip (g_strdup (line));
      if (trim[0] == '\0')
        continue;   /* blank lines are skipped, as the core's reader does */
      row = trim[0] == '{' ? pl_pair_row_new_from_json (trim, NULL) : row_from_tabs (line);
      if (row == NULL)
        {
          g_set_error (error, PL_ERROR, PL_ERROR_FORMAT,
                       _("%s: line %d is neither a JSON object nor four tab-separated "
                         "texts (clean, corrupted, clean answer, corrupted answer)"),
                       file, i + 1);
          return NULL;
        }
      g_ptr_array_add (rows, row);
    }
  if (rows->len == 0)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_FORMAT, _("%s holds no pairs"), file);
      return NULL;
    }
  return g_steal_pointer (&rows);
}

/* ---- checking ---- */

/* The rows as JSON Lines, one line each (an empty table is ""). */
static char *
rows_to_jsonl (PlPairsPanel *self)
{
  GString *s = g_string_new (NULL);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->rows));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PlPairRow) row = g_list_model_get_item (G_LIST_MODEL (self->rows), i);
      g_autofree char *line = pl_pair_row_to_json (row);

      g_string_append (s, line);
      g_string_append_c (s, '\n');
    }
  return g_string_free (s, FALSE);
}

/* The core's check of one row, kept until the row's text or place changes, so that an
 * edit in a long set checks one row, not all of them again. */
typedef struct {
  guint      index;
  char      *json;
  PlPairSet *one;     /* the row as a set of one pair; NULL when it fails */
  char      *error;   /* why it fails */
} RowCheck;

static void
row_check_free (RowCheck *c)
{
  g_free (c->json);
  g_clear_pointer (&c->one, pl_pair_set_free);
  g_free (c->error);
  g_free (c);
}

/* Row i alone. A failing row is parsed again at its own line (the blank lines before it
 * are skipped by the reader) so that its message names the line as the CLI would. */
static RowCheck *
check_row (PlPairsPanel *self,
           const char   *line,
           guint         i)
{
  RowCheck *c = g_new0 (RowCheck, 1);
  g_autoptr(GString) data = NULL;
  g_autoptr(GError) error = NULL;

  c->index = i;
  c->json = g_strdup (line);
  c->one = pl_pair_set_parse (self->tok, self->n_ctx, line, strlen (line), SET_NAME, NULL);
  if (c->one != NULL)
    return c;
  data = g_string_sized_new (i + strlen (line));
  for (guint k = 0; k < i; k++)
    g_string_append_c (data, '\n');
  g_string_append (data, line);
  c->one = pl_pair_set_parse (self->tok, self->n_ctx, data->str, data->len, SET_NAME, &error);
  if (c->one == NULL)   /* it cannot pass here: the same line, only further down */
    c->error = row_message (error);
  return c;
}

/* The row's check: the last one if its text and place are the same, else a new one. */
static RowCheck *
row_check (PlPairsPanel *self,
           PlPairRow    *row,
           guint         i,
           GHashTable   *next)
{
  g_autofree char *line = pl_pair_row_to_json (row);
  RowCheck *c = g_hash_table_lookup (self->checks, row);

  if (c != NULL && c->index == i && strcmp (c->json, line) == 0)
    g_hash_table_steal (self->checks, row);
  else
    c = check_row (self, line, i);
  g_hash_table_insert (next, row, c);
  return c;
}

/* Row i checked against the first good row f (whose count differs): the core's own
 * message, with both segmentations. */
static char *
check_across (PlPairsPanel *self,
              const char   *first,
              guint         f,
              const char   *line,
              guint         i)
{
  g_autoptr(GString) data = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PlPairSet) two = NULL;

  for (guint k = 0; k < f; k++)
    g_string_append_c (data, '\n');
  g_string_append (data, first);
  for (guint k = f; k < i; k++)
    g_string_append_c (data, '\n');
  g_string_append (data, line);
  two = pl_pair_set_parse (self->tok, self->n_ctx, data->str, data->len, SET_NAME, &error);
  return two == NULL ? row_message (error) : NULL;
}

static void
set_status (PlPairsPanel *self,
            const char   *icon,
            const char   *css,
            const char   *text)
{
  gtk_image_set_from_icon_name (self->status_icon, icon);
  gtk_label_set_text (self->status_label, text);
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "success");
  gtk_widget_add_css_class (GTK_WIDGET (self->status_label), css);
}

/* Marks each failing row; returns how many fail and the first one's message. The
 * checks of rows no longer in the table are dropped. */
static guint
check_rows (PlPairsPanel *self,
            char        **first_error)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->rows)), failing = 0;
  GHashTable *next = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) row_check_free);
  RowCheck *good = NULL;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PlPairRow) row = g_list_model_get_item (G_LIST_MODEL (self->rows), i);
      RowCheck *c = row_check (self, row, i, next);
      g_autofree char *across = NULL;

      if (c->one != NULL && good == NULL)
        good = c;
      else if (c->one != NULL && c->one->n_tokens != good->one->n_tokens)
        across = check_across (self, good->json, good->index, c->json, i);
      pl_pair_row_set_error (row, across ? across : c->error);
      if ((across || c->error) && failing++ == 0)
        *first_error = g_strdup (across ? across : c->error);
    }
  g_hash_table_unref (self->checks);
  self->checks = next;
  return failing;
}

/* The set of the table's rows, every one of which passed: the core's parse of the whole
 * text, assembled from the rows' own (so an edit costs one row), or that parse itself
 * when the set is too large, for its message. */
static PlPairSet *
assemble_set (PlPairsPanel *self,
              GError      **error)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->rows));
  g_autoptr(PlPairSet) set = g_new0 (PlPairSet, 1);
  g_autoptr(PlPairRow) first = g_list_model_get_item (G_LIST_MODEL (self->rows), 0);

  set->n_tokens = ((RowCheck *) g_hash_table_lookup (self->checks, first))->one->n_tokens;
  if (n > PL_PAIR_SET_MAX_PAIRS || (gint64) n * set->n_tokens > PL_PAIR_SET_MAX_TOKENS)
    {
      g_autofree char *jsonl = rows_to_jsonl (self);
      return pl_pair_set_parse (self->tok, self->n_ctx, jsonl, strlen (jsonl), SET_NAME, error);
    }
  set->pairs = g_new (PlInputs *, n);
  set->names = g_new (char *, n);
  set->lines = g_new (int, n);
  set->file = g_strdup (SET_NAME);
  for (guint i = 0; i < n; i++, set->n_pairs++)
    {
      g_autoptr(PlPairRow) row = g_list_model_get_item (G_LIST_MODEL (self->rows), i);
      RowCheck *c = g_hash_table_lookup (self->checks, row);

      set->pairs[i] = pl_inputs_copy (c->one->pairs[0]);
      set->names[i] = g_strdup (c->one->names[0]);
      set->lines[i] = (int) i + 1;
    }
  return g_steal_pointer (&set);
}

static void
update_count (PlPairsPanel *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->rows));
  g_autofree char *text = g_strdup_printf (ngettext ("%u Pair", "%u Pairs", n), n);

  gtk_label_set_text (self->count_label, text);
}

static void
validate (PlPairsPanel *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->rows)), failing;
  g_autofree char *first = NULL;
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&self->set, pl_pair_set_free);
  g_clear_pointer (&self->problem, g_free);
  update_count (self);
  if (self->tok == NULL)
    self->problem = g_strdup (_("The GPT-2 tokenizer files were not found."));
  else if (n == 0)
    self->problem = g_strdup (_("Add pairs, paste them, open a set or make them from a "
                                "template."));
  else if ((failing = check_rows (self, &first)) > 0)
    self->problem = g_strdup_printf (ngettext ("%u pair fails: %s", "%u pairs fail; the first: %s",
                                               failing), failing, first);
  else
    {
      self->set = assemble_set (self, &error);
      if (self->set == NULL)
        self->problem = row_message (error);   /* the set as a whole: its size */
    }
  if (self->set != NULL)
    {
      g_autofree char *ok = g_strdup_printf (ngettext ("%d pair of %d tokens: ready to run.",
                                                       "%d pairs of %d tokens each: ready to run.",
                                                       self->set->n_pairs),
                                             self->set->n_pairs, self->set->n_tokens);
      set_status (self, "emblem-ok-symbolic", "success", ok);
    }
  else
    set_status (self, n == 0 ? "dialog-information-symbolic" : "dialog-warning-symbolic",
                n == 0 ? "dim-label" : "error", self->problem);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

/* ---- the document ---- */

static void
write_document (PlPairsPanel *self)
{
  g_autofree char *jsonl = rows_to_jsonl (self);

  if (self->doc == NULL)
    return;
  self->syncing = TRUE;
  pl_document_set_pairs (self->doc, jsonl);
  self->syncing = FALSE;
}

static void
on_row_notify (PlPairRow    *row,
               GParamSpec   *pspec,
               PlPairsPanel *self)
{
  if (strcmp (pspec->name, "error") == 0 || self->saving)
    return;
  write_document (self);
  validate (self);
}

static void
on_items_changed (GListModel   *model,
                  guint         position,
                  guint         removed,
                  guint         added,
                  PlPairsPanel *self)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(PlPairRow) row = g_list_model_get_item (model, i);
      g_signal_connect_object (row, "notify", G_CALLBACK (on_row_notify), self, 0);
    }
  if (!self->syncing)
    write_document (self);
  validate (self);
}

/* The document's set replaced (opened, a template, undo): the rows follow it. A text
 * that is not a set any more shows no rows rather than half of them. */
static void
read_document (PlPairsPanel *self)
{
  g_autoptr(GPtrArray) rows = NULL;
  const char *jsonl;

  if (self->syncing || self->doc == NULL)
    return;
  jsonl = pl_document_get_pairs (self->doc);
  rows = *jsonl ? pl_pair_rows_parse (jsonl, SET_NAME, NULL) : NULL;
  self->syncing = TRUE;
  g_list_store_splice (self->rows, 0, g_list_model_get_n_items (G_LIST_MODEL (self->rows)),
                       rows ? rows->pdata : NULL, rows ? rows->len : 0);
  self->syncing = FALSE;
}

void
pl_pairs_panel_set_document (PlPairsPanel *self,
                             PlDocument   *doc)
{
  if (self->doc != NULL)
    g_signal_handlers_disconnect_by_data (self->doc, self);
  g_set_object (&self->doc, doc);
  if (doc != NULL)
    g_signal_connect_swapped (doc, "notify::pairs", G_CALLBACK (read_document), self);
  read_document (self);
}

void
pl_pairs_panel_set_tokenizer (PlPairsPanel *self,
                              PlTokenizer  *tok,
                              int           n_ctx)
{
  self->tok = tok;
  self->n_ctx = n_ctx;
  g_hash_table_remove_all (self->checks);   /* another tokenizer, another context */
  validate (self);
}

const PlPairSet *
pl_pairs_panel_get_set (PlPairsPanel *self)
{
  return self->set;
}

const char *
pl_pairs_panel_get_problem (PlPairsPanel *self)
{
  return self->problem;
}

/* ---- editing ---- */

void
pl_pairs_panel_select (PlPairsPanel *self,
                       guint         i)
{
  if (i >= g_list_model_get_n_items (G_LIST_MODEL (self->rows)))
    return;
  gtk_single_selection_set_selected (self->selection, i);
  /* Scroll to it: GTK 4.8 has no gtk_column_view_scroll_to, but the list view inside
   * the column view has the action (actions reach ancestors, not children). */
  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (self->column_view)); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    if (GTK_IS_LIST_VIEW (c))
      gtk_widget_activate_action (c, "list.scroll-to-item", "u", i);
}

void
pl_pairs_panel_add_row (PlPairsPanel *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->rows));
  g_autoptr(PlPairRow) row = NULL;

  if (n > 0)
    {
      g_autoptr(PlPairRow) last = g_list_model_get_item (G_LIST_MODEL (self->rows), n - 1);
      row = pl_pair_row_new (pl_pair_row_get_clean (last), pl_pair_row_get_corrupted (last),
                             pl_pair_row_get_clean_answer (last),
                             pl_pair_row_get_corrupted_answer (last), NULL);
    }
  else if (self->doc != NULL)
    row = pl_pair_row_new (pl_document_get_text (self->doc, PL_TEXT_CLEAN),
                           pl_document_get_text (self->doc, PL_TEXT_CORRUPTED),
                           pl_document_get_text (self->doc, PL_TEXT_CLEAN_ANSWER),
                           pl_document_get_text (self->doc, PL_TEXT_CORRUPTED_ANSWER), NULL);
  else
    row = pl_pair_row_new ("", "", "", "", NULL);
  g_list_store_append (self->rows, row);
  pl_pairs_panel_select (self, n);
}

void
pl_pairs_panel_remove_selected (PlPairsPanel *self)
{
  guint i = gtk_single_selection_get_selected (self->selection);

  if (i != GTK_INVALID_LIST_POSITION)
    g_list_store_remove (self->rows, i);
}

gboolean
pl_pairs_panel_append_text (PlPairsPanel *self,
                            const char   *text,
                            GError      **error)
{
  g_autoptr(GPtrArray) rows = pl_pair_rows_parse (text, _("The pasted text"), error);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->rows));

  if (rows == NULL)
    return FALSE;
  g_list_store_splice (self->rows, n, 0, rows->pdata, rows->len);
  return TRUE;
}

GListModel *
pl_pairs_panel_get_rows (PlPairsPanel *self)
{
  return G_LIST_MODEL (self->rows);
}

const char *
pl_pairs_panel_get_status_text (PlPairsPanel *self)
{
  return gtk_label_get_text (self->status_label);
}

/* ---- the row dialog ---- */

PlTokenizer *
pl_pairs_panel_get_tokenizer (PlPairsPanel *self,
                              int          *n_ctx)
{
  *n_ctx = self->n_ctx;
  return self->tok;
}

/* check_rows for one row with other texts: the row alone, then against the first good
 * row above it (a good draft above every good row is itself the first good row). */
char *
pl_pairs_panel_check_draft (PlPairsPanel *self,
                            PlPairRow    *row,
                            PlPairRow    *draft)
{
  g_autofree char *line = pl_pair_row_to_json (draft);
  RowCheck *c, *good = NULL;
  char *error = NULL;
  guint i;

  if (self->tok == NULL)
    return g_strdup (_("The GPT-2 tokenizer files were not found."));
  if (!g_list_store_find (self->rows, row, &i))
    i = g_list_model_get_n_items (G_LIST_MODEL (self->rows));
  c = check_row (self, line, i);
  for (guint k = 0; k < i && c->one != NULL && good == NULL; k++)
    {
      g_autoptr(PlPairRow) above = g_list_model_get_item (G_LIST_MODEL (self->rows), k);
      RowCheck *a = g_hash_table_lookup (self->checks, above);
      good = a != NULL && a->one != NULL ? a : NULL;
    }
  if (c->one == NULL)
    error = g_strdup (c->error);
  else if (good != NULL && good->one->n_tokens != c->one->n_tokens)
    error = check_across (self, good->json, good->index, line, i);
  row_check_free (c);
  return error;
}

/* The draft's texts into the row as one change: the document is written and the rows
 * checked once, not once per text, so the result is that of an edit in a cell. */
void
pl_pairs_panel_save_draft (PlPairsPanel *self,
                           PlPairRow    *row,
                           PlPairRow    *draft)
{
  self->saving = TRUE;
  g_object_set (row, "clean", pl_pair_row_get_clean (draft),
                "corrupted", pl_pair_row_get_corrupted (draft),
                "clean-answer", pl_pair_row_get_clean_answer (draft),
                "corrupted-answer", pl_pair_row_get_corrupted_answer (draft),
                "name", pl_pair_row_get_name (draft), NULL);
  self->saving = FALSE;
  write_document (self);
  validate (self);
}

/* pairs.edit-row: the selected row in the dialog. */
static void
edit_row (GtkWidget  *widget,
          const char *name,
          GVariant   *param)
{
  PlPairsPanel *self = PL_PAIRS_PANEL (widget);
  guint i = gtk_single_selection_get_selected (self->selection);
  g_autoptr(PlPairRow) row = NULL;

  if (i == GTK_INVALID_LIST_POSITION)
    return;
  row = g_list_model_get_item (G_LIST_MODEL (self->rows), i);
  gtk_window_present (GTK_WINDOW (pl_pair_dialog_new (GTK_WINDOW (gtk_widget_get_root (widget)),
                                                      self, row)));
}

static void
update_edit_action (PlPairsPanel *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "pairs.edit-row",
                                 gtk_single_selection_get_selected (self->selection)
                                 != GTK_INVALID_LIST_POSITION);
}

/* A double click on a row (GtkColumnView's activation) edits it; Enter in a cell still
 * edits the cell in place. */
static void
on_row_activate (PlPairsPanel *self,
                 guint         position)
{
  gtk_single_selection_set_selected (self->selection, position);
  gtk_widget_activate_action (GTK_WIDGET (self), "pairs.edit-row", NULL);
}

/* ---- GObject ---- */

static void
pl_pairs_panel_dispose (GObject *object)
{
  PlPairsPanel *self = PL_PAIRS_PANEL (object);

  if (self->doc != NULL)
    g_signal_handlers_disconnect_by_data (self->doc, self);
  g_clear_object (&self->doc);
  gtk_widget_dispose_template (GTK_WIDGET (object), PL_TYPE_PAIRS_PANEL);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object)));)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (pl_pairs_panel_parent_class)->dispose (object);
}

static void
pl_pairs_panel_finalize (GObject *object)
{
  PlPairsPanel *self = PL_PAIRS_PANEL (object);

  g_clear_object (&self->selection);
  g_clear_object (&self->rows);
  g_clear_pointer (&self->set, pl_pair_set_free);
  g_free (self->problem);
  g_clear_pointer (&self->checks, g_hash_table_unref);
  G_OBJECT_CLASS (pl_pairs_panel_parent_class)->finalize (object);
}

static void
pl_pairs_panel_class_init (PlPairsPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pl_pairs_panel_dispose;
  object_class->finalize = pl_pairs_panel_finalize;
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 0);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/patchlens/Patchlens/pl-pairs-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, PlPairsPanel, column_view);
  gtk_widget_class_bind_template_child (widget_class, PlPairsPanel, count_label);
  gtk_widget_class_bind_template_child (widget_class, PlPairsPanel, status_icon);
  gtk_widget_class_bind_template_child (widget_class, PlPairsPanel, status_label);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_install_action (widget_class, "pairs.edit-row", NULL, edit_row);
}

/* Delete removes the selected row (a cell being edited handles its own Delete first);
 * Alt+Return edits it in the dialog, as Properties does in GNOME's file lists. */
static void
add_shortcuts (PlPairsPanel *self)
{
  GtkEventController *c = gtk_shortcut_controller_new ();

  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (c),
      gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Delete, 0),
                        gtk_named_action_new ("win.remove-pair")));
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (c),
      gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Return, GDK_ALT_MASK),
                        gtk_named_action_new ("pairs.edit-row")));
  gtk_widget_add_controller (GTK_WIDGET (self->column_view), c);
}

static void
pl_pairs_panel_init (PlPairsPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->rows = g_list_store_new (PL_TYPE_PAIR_ROW);
  self->checks = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) row_check_free);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->rows)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));
  pl_pair_columns_add (self->column_view);
  g_signal_connect (self->rows, "items-changed", G_CALLBACK (on_items_changed), self);
  g_signal_connect_swapped (self->selection, "notify::selected",
                            G_CALLBACK (update_edit_action), self);
  g_signal_connect_swapped (self->column_view, "activate", G_CALLBACK (on_row_activate), self);
  add_shortcuts (self);
  update_edit_action (self);
  validate (self);
}
