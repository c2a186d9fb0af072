/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-attention-dialog.c: PlAttentionDialog: the three patterns of one head computed on
 * a worker, the switch between them, and their export (the core's figure and data).
 */
#include "config.h"

#include "pl-attention-dialog.h"

#include <glib/gi18n.h>

#include "pl-analysis-io.h"
#include "pl-attention-pattern.h"
#include "pl-error.h"
#include "pl-json-print.h"
#include "pl-lens-figure.h"
#include "pl-token-strip.h"
#include "pl-window-private.h"
#include "pl-write-file.h"

struct _PlAttentionDialog {
  AdwWindow       parent_instance;

  AdwWindowTitle *window_title;
  GtkLabel       *caption_label;
  GtkStack       *stack;
  PlHeatmapView  *view;
  AdwStatusPage  *status_page;
  GtkLabel       *hover_label;

  PlWindow       *window;        /* weak: the file dialogs' seam */
  PlLoadedModel  *model;
  PlShared       *result;        /* of PlSweepResult */
  int             layer, head, position;
  PlAttentionRun  run;
  float          *patterns[PL_N_ATTENTION_RUNS];   /* (T, T); NULL: not (yet) there */
  gboolean        ready;
  char           *error;         /* the worker's failure */
  GCancellable   *cancellable;
};

G_DEFINE_FINAL_TYPE (PlAttentionDialog, pl_attention_dialog, ADW_TYPE_WINDOW)

enum { PROP_0, PROP_RUN, N_PROPS };
static GParamSpec *props[N_PROPS];

static const char *const run_names[PL_N_ATTENTION_RUNS] = { "clean", "corrupted", "patched" };

static const PlSweepResult *
get_result (PlAttentionDialog *self)
{
  return pl_shared_get (self->result);
}

/* The prompt a run reads: the patched run is the sweep's target prompt. */
static const PlPrompt *
run_prompt (PlAttentionDialog *self,
            PlAttentionRun     run)
{
  const PlSweepResult *r = get_result (self);

  if (run == PL_ATTENTION_PATCHED)
    run = r->direction == PL_DIRECTION_NOISE ? PL_ATTENTION_CLEAN : PL_ATTENTION_CORRUPTED;
  return run == PL_ATTENTION_CLEAN ? &r->inputs->clean : &r->inputs->corrupted;
}

/* ---- the worker ---- */

typedef struct {
  PlLoadedModel *model;
  PlShared      *result;
  int            layer, head, position;
  float         *patterns[PL_N_ATTENTION_RUNS];
} Job;

static void
job_free (gpointer data)
{
  Job *j = data;

  pl_loaded_model_unref (j->model);
  pl_shared_unref (j->result);
  for (int i = 0; i < PL_N_ATTENTION_RUNS; i++)
    g_free (j->patterns[i]);
  g_free (j);
}

static void
compute_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Job *j = task_data;
  PlModel *model = pl_loaded_model_get (j->model);
  const PlSweepResult *r = pl_shared_get (j->result);
  const PlInputs *in = r->inputs;
  int T = in->clean.n_tokens;
  GError *error = NULL;

  j->patterns[PL_ATTENTION_CLEAN] = pl_attention_pattern (model, in->clean.ids, T, j->layer,
                                                          j->head, cancellable, &error);
  if (error == NULL)
    j->patterns[PL_ATTENTION_CORRUPTED] = pl_attention_pattern (model, in->corrupted.ids, T,
                                                                j->layer, j->head,
                                                                cancellable, &error);
  if (error == NULL && pl_site_changes_pattern (r->site))
    j->patterns[PL_ATTENTION_PATCHED] = pl_attention_pattern_patched (model, in->clean.ids,
        in->corrupted.ids, T, j->layer, j->head, r->site, r->direction, j->position,
        cancellable, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void show_run (PlAttentionDialog *self);
static void on_cell_hovered (PlHeatmapView *view, int row, int col, PlAttentionDialog *self);

static void
on_computed (GObject      *source,
             GAsyncResult *res,
             gpointer      user_data)
{
  PlAttentionDialog *self = PL_ATTENTION_DIALOG (source);
  Job *j = g_task_get_task_data (G_TASK (res));
  g_autoptr(GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (res), &error);

  /* Closed meanwhile (dispose cancels): its widgets are gone, even if the work
   * finished before it saw the cancel. */
  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  if (!ok)
    self->error = g_strdup (error->message);
  for (int i = 0; i < PL_N_ATTENTION_RUNS; i++)
    self->patterns[i] = g_steal_pointer (&j->patterns[i]);
  self->ready = TRUE;
  show_run (self);
}

static void
start (PlAttentionDialog *self)
{
  g_autoptr(GTask) task = NULL;
  Job *j = g_new0 (Job, 1);

  j->model = pl_loaded_model_ref (self->model);
  j->result = pl_shared_ref (self->result);
  j->layer = self->layer;
  j->head = self->head;
  j->position = self->position;
  self->cancellable = g_cancellable_new ();
  task = g_task_new (self, self->cancellable, on_computed, NULL);
  g_task_set_task_data (task, j, job_free);
  g_task_run_in_thread (task, compute_thread);
}

/* ---- what is shown ---- */

/* "queries" etc.: what the sweep patched, in words. */
static const char *
site_words (PlSite site)
{
  switch (site)
    {
    case PL_SITE_HEAD_Q:       return _("queries");
    case PL_SITE_HEAD_K:       return _("keys");
    case PL_SITE_HEAD_V:       return _("values");
    case PL_SITE_HEAD_PATTERN: return _("pattern");
    default:                   return _("output (z)");
    }
}

static char *
patched_caption (PlAttentionDialog *self)
{
  const PlSweepResult *r = get_result (self);
  g_autofree char *where = self->position < 0
    ? g_strdup (_("at every position"))
    : g_strdup_printf (_("at position %d"), self->position);

  if (r->direction == PL_DIRECTION_NOISE)
    /* Translators: "…this head's queries at every position taken from the corrupted run" */
    return g_strdup_printf (_("Patched run (noising): the clean prompt with this head's %s %s taken from the corrupted run."),
                            site_words (r->site), where);
  return g_strdup_printf (_("Patched run (denoising): the corrupted prompt with this head's %s %s taken from the clean run."),
                          site_words (r->site), where);
}

static void
show_message (PlAttentionDialog *self,
              const char        *title,
              const char        *description)
{
  adw_status_page_set_title (self->status_page, title);
  adw_status_page_set_description (self->status_page, description);
  gtk_stack_set_visible_child_name (self->stack, "message");
  pl_heatmap_view_set_heatmap (self->view, NULL);
}

/* The figure of a run (the screen's and the exports'). */
static PlHeatmap *
new_figure (PlAttentionDialog *self,
            PlAttentionRun     run)
{
  const PlPrompt *prompt = run_prompt (self, run);
  const char *model_name = get_result (self)->model_name;
  static const char *const run_titles[PL_N_ATTENTION_RUNS] = {
    N_("clean run"), N_("corrupted run"), N_("patched run") };
  PlHeatmap *hm = pl_heatmap_new_from_pattern (self->patterns[run], prompt->n_tokens,
                                               (const char * const *) prompt->pieces,
                                               self->layer, self->head, model_name);
  g_autofree char *title = g_strdup_printf (_("Attention pattern · layer %d, head %d · %s · %s"),
                                            self->layer, self->head, _(run_titles[run]),
                                            model_name ? model_name : "");

  pl_heatmap_set_title (hm, title);
  return hm;
}

static void
show_run (PlAttentionDialog *self)
{
  const PlSweepResult *r = get_result (self);
  g_autofree char *caption = NULL;

  if (self->run == PL_ATTENTION_PATCHED)
    caption = patched_caption (self);
  else
    caption = g_strdup (self->run == PL_ATTENTION_CLEAN
                        ? _("Clean prompt: each row is a position (query), each column an earlier position (key) it attends to.")
                        : _("Corrupted prompt: each row is a position (query), each column an earlier position (key) it attends to."));
  gtk_label_set_text (self->caption_label, caption);
  if (!self->ready)
    {
      gtk_stack_set_visible_child_name (self->stack, "computing");
      return;
    }
  if (self->error != NULL)
    show_message (self, _("Could Not Compute the Pattern"), self->error);
  else if (self->patterns[self->run] == NULL)
    {
      /* The switch's button named as it reads. */
      g_autofree char *why = g_strdup_printf (r->direction == PL_DIRECTION_NOISE
          ? _("Patching the head's %s (%s) acts after its pattern, so in the patched run this head's pattern is the clean run's: see Clean.")
          : _("Patching the head's %s (%s) acts after its pattern, so in the patched run this head's pattern is the corrupted run's: see Corrupted."),
          site_words (r->site), pl_site_to_string (r->site));
      show_message (self, _("The Patch Does Not Change This Pattern"), why);
    }
  else
    {
      pl_heatmap_view_set_heatmap (self->view, new_figure (self, self->run));
      gtk_stack_set_visible_child_name (self->stack, "pattern");
    }
}

static void
set_run (PlAttentionDialog *self,
         PlAttentionRun     run)
{
  if (run == self->run)
    return;
  self->run = run;
  show_run (self);
  on_cell_hovered (self->view, -1, -1, self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RUN]);
}

/* What the hovered (or keyboard-selected) cell says: who attends to whom, how much. */
static void
on_cell_hovered (PlHeatmapView     *view,
                 int                row,
                 int                col,
                 PlAttentionDialog *self)
{
  const PlPrompt *prompt = run_prompt (self, self->run);
  const float *p = self->ready ? self->patterns[self->run] : NULL;
  int T = prompt->n_tokens;
  g_autofree char *dst = NULL, *src = NULL, *text = NULL;

  if (p == NULL || row < 0 || col < 0 || row >= T || col >= T)
    {
      gtk_label_set_text (self->hover_label,
                          _("Hover a cell: how much a position (row) attends to another (column)."));
      return;
    }
  dst = pl_token_display (prompt->pieces[row]);
  src = pl_token_display (prompt->pieces[col]);
  /* Translators: position, token, position, token, probability */
  text = g_strdup_printf (_("Position %d “%s” attends to position %d “%s”: %.4f"), row, dst,
                          col, src, p[(gsize) row * T + col]);
  gtk_label_set_text (self->hover_label, text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->view),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
}

/* ---- export ---- */

static gboolean
check_shown (PlAttentionDialog *self,
             GError           **error)
{
  if (self->ready && self->patterns[self->run] != NULL)
    return TRUE;
  g_set_error_literal (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
                       self->ready ? _("This run's pattern is not shown: there is nothing to export.")
                                   : _("The pattern is still being computed."));
  return FALSE;
}

gboolean
pl_attention_dialog_export_figure_to (PlAttentionDialog *self,
                                      const char        *path,
                                      double             scale,
                                      GError           **error)
{
  PlFigureFormat format;

  if (!check_shown (self, error))
    return FALSE;
  if (!pl_figure_format_from_path (path, &format))
    {
      g_autofree char *base = g_path_get_basename (path);
      g_set_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
                   _("“%s” does not end in .png, .svg or .pdf."), base);
      return FALSE;
    }
  g_autoptr(PlHeatmap) hm = new_figure (self, self->run);   /* black on white */
  return pl_heatmap_export (hm, format, path, scale, error);
}

gboolean
pl_attention_dialog_export_data_to (PlAttentionDialog *self,
                                    const char        *path,
                                    GError           **error)
{
  const PlPrompt *prompt = run_prompt (self, self->run);
  const PlSweepResult *r = get_result (self);
  g_autofree char *text = NULL;
  PlDataFormat format;

  if (!check_shown (self, error) || !pl_data_format_from_path (path, &format, error))
    return FALSE;
  if (format == PL_DATA_CSV)
    text = pl_pattern_to_csv (self->patterns[self->run], prompt);
  else
    {
      g_autoptr(JsonNode) node = pl_pattern_to_json_node (self->patterns[self->run], prompt,
                                                          self->layer, self->head,
                                                          r->model_name);
      JsonObject *o = json_node_get_object (node);

      /* Which run this is; the patched run names its patch. */
      json_object_set_string_member (o, "run", run_names[self->run]);
      if (self->run == PL_ATTENTION_PATCHED)
        {
          json_object_set_string_member (o, "site", pl_site_to_string (r->site));
          json_object_set_string_member (o, "direction", pl_direction_to_string (r->direction));
          if (self->position >= 0)
            json_object_set_int_member (o, "position", self->position);
        }
      text = pl_json_node_to_string (node, NULL);
    }
  return pl_write_file_atomic (path, text, strlen (text), error);
}

typedef gboolean (*ExportFunc) (PlAttentionDialog *self, const char *path, GError **error);

static gboolean
export_figure_2x (PlAttentionDialog *self, const char *path, GError **error)
{
  return pl_attention_dialog_export_figure_to (self, path, 2.0, error);
}

static void
finish_export (PlAttentionDialog *self,
               const char        *path,
               ExportFunc         export)
{
  g_autoptr(GError) error = NULL;

  if (path == NULL || self->window == NULL)
    return;
  if (export (self, path, &error))
    pl_window_toast_saved (self->window, path);
  else
    pl_window_show_error (self->window, _("Could Not Export the Pattern"), error);
}

static void
on_native_response (GtkNativeDialog   *native,
                    int                response,
                    PlAttentionDialog *self)
{
  const char *const *exts = g_object_get_data (G_OBJECT (native), "exts");
  ExportFunc export = g_object_get_data (G_OBJECT (native), "export");
  g_autofree char *path = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    path = pl_window_chosen_path (GTK_FILE_CHOOSER (native), exts);
  finish_export (self, path, export);
  g_object_unref (native);
}

/* purpose: the chooser seam's; filters: name, pattern, extension triples. */
static void
ask_and_export (PlAttentionDialog  *self,
                const char         *purpose,
                const char         *title,
                const char         *name,
                const char *const  *exts,
                const char *const  *filters,
                ExportFunc          export)
{
  g_autofree char *path = NULL;
  GtkFileChooserNative *native;

  if (self->window != NULL && pl_window_ask_chooser (self->window, purpose, &path))
    {
      finish_export (self, path, export);
      return;
    }
  native = gtk_file_chooser_native_new (title, GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE,
                                        _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), name);
  for (int i = 0; filters[i]; i += 3)
    pl_window_chooser_add_filter (GTK_FILE_CHOOSER (native), _(filters[i]), filters[i + 1],
                                  filters[i + 2]);
  g_object_set_data (G_OBJECT (native), "exts", (gpointer) exts);
  g_object_set_data (G_OBJECT (native), "export", export);
  g_signal_connect (native, "response", G_CALLBACK (on_native_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static void
export_figure (GtkWidget  *widget,
               const char *action,
               GVariant   *param)
{
  static const char *const exts[] = { ".png", ".svg", ".pdf", NULL };
  static const char *const filters[] = { N_("PNG image"), "*.png", ".png",
                                         N_("SVG drawing"), "*.svg", ".svg",
                                         N_("PDF document"), "*.pdf", ".pdf", NULL };

  ask_and_export (PL_ATTENTION_DIALOG (widget), "export-attention-figure",
                  _("Export the Pattern"), "attention.png", exts, filters, export_figure_2x);
}

static void
export_data (GtkWidget  *widget,
             const char *action,
             GVariant   *param)
{
  static const char *const exts[] = { ".csv", ".json", NULL };
  static const char *const filters[] = { N_("CSV table"), "*.csv", ".csv",
                                         N_("JSON"), "*.json", ".json", NULL };

  ask_and_export (PL_ATTENTION_DIALOG (widget), "export-attention-data",
                  _("Export the Pattern's Data"), "attention.csv", exts, filters,
                  pl_attention_dialog_export_data_to);
}

/* ---- public ---- */

PlAttentionDialog *
pl_attention_dialog_new (PlWindow      *window,
                         PlLoadedModel *model,
                         PlShared      *result,
                         int            layer,
                         int            head,
                         int            position)
{
  PlAttentionDialog *self = g_object_new (PL_TYPE_ATTENTION_DIALOG,
                                          "transient-for", window, NULL);
  const PlSweepResult *r = pl_shared_get (result);
  g_autofree char *title = g_strdup_printf (_("Head L%d H%d"), layer, head);
  g_autofree char *subtitle = position < 0
    ? g_strdup_printf (_("Attention pattern · %s patched at every position"),
                       pl_site_to_string (r->site))
    : g_strdup_printf (_("Attention pattern · %s patched at position %d"),
                       pl_site_to_string (r->site), position);

  self->window = window;
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &self->window);
  self->model = pl_loaded_model_ref (model);
  self->result = pl_shared_ref (result);
  self->layer = layer;
  self->head = head;
  self->position = position;
  gtk_window_set_title (GTK_WINDOW (self), title);
  adw_window_title_set_title (self->window_title, title);
  adw_window_title_set_subtitle (self->window_title, subtitle);
  show_run (self);
  on_cell_hovered (self->view, -1, -1, self);
  start (self);
  return self;
}

const float *
pl_attention_dialog_get_pattern (PlAttentionDialog *self,
                                 PlAttentionRun     run,
                                 int               *T)
{
  if (T != NULL)
    *T = get_result (self)->inputs->clean.n_tokens;
  return self->ready ? self->patterns[run] : NULL;
}

gboolean
pl_attention_dialog_is_ready (PlAttentionDialog *self)
{
  return self->ready;
}

PlAttentionRun
pl_attention_dialog_get_run (PlAttentionDialog *self)
{
  return self->run;
}

int
pl_attention_dialog_get_layer (PlAttentionDialog *self)
{
  return self->layer;
}

int
pl_attention_dialog_get_head (PlAttentionDialog *self)
{
  return self->head;
}

const char *
pl_attention_dialog_get_caption (PlAttentionDialog *self)
{
  return gtk_stack_get_visible_child_name (self->stack) &&
         g_str_equal (gtk_stack_get_visible_child_name (self->stack), "message")
         ? adw_status_page_get_description (self->status_page)
         : gtk_label_get_text (self->caption_label);
}

const char *
pl_attention_dialog_get_hover_text (PlAttentionDialog *self)
{
  return gtk_label_get_text (self->hover_label);
}

PlHeatmapView *
pl_attention_dialog_get_view (PlAttentionDialog *self)
{
  return self->view;
}

/* ---- GObject ---- */

static void
pl_attention_dialog_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  if (id == PROP_RUN)
    g_value_set_string (value, run_names[PL_ATTENTION_DIALOG (object)->run]);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
pl_attention_dialog_set_property (GObject *object, guint id, const GValue *value,
                                  GParamSpec *pspec)
{
  if (id != PROP_RUN)
    {
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
      return;
    }
  for (int i = 0; i < PL_N_ATTENTION_RUNS; i++)
    if (g_strcmp0 (g_value_get_string (value), run_names[i]) == 0)
      set_run (PL_ATTENTION_DIALOG (object), i);
}

static void
pl_attention_dialog_dispose (GObject *object)
{
  PlAttentionDialog *self = PL_ATTENTION_DIALOG (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->window != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->window), (gpointer *) &self->window);
  self->window = NULL;
  gtk_widget_dispose_template (GTK_WIDGET (self), PL_TYPE_ATTENTION_DIALOG);
  G_OBJECT_CLASS (pl_attention_dialog_parent_class)->dispose (object);
}

static void
pl_attention_dialog_finalize (GObject *object)
{
  PlAttentionDialog *self = PL_ATTENTION_DIALOG (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->model, pl_loaded_model_unref);
  g_clear_pointer (&self->result, pl_shared_unref);
  for (int i = 0; i < PL_N_ATTENTION_RUNS; i++)
    g_free (self->patterns[i]);
  g_free (self->error);
  G_OBJECT_CLASS (pl_attention_dialog_parent_class)->finalize (object);
}

#define BIND(name) gtk_widget_class_bind_template_child (widget_class, PlAttentionDialog, name)

static void
pl_attention_dialog_class_init (PlAttentionDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = pl_attention_dialog_get_property;
  object_class->set_property = pl_attention_dialog_set_property;
  object_class->dispose = pl_attention_dialog_dispose;
  object_class->finalize = pl_attention_dialog_finalize;
  props[PROP_RUN] = g_param_spec_string ("run", NULL, NULL, "clean",
                                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                         G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
  g_type_ensure (PL_TYPE_HEATMAP_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/patchlens/Patchlens/pl-attention-dialog.ui");
  BIND (window_title); BIND (caption_label); BIND (stack); BIND (view); BIND (status_page);
  BIND (hover_label);
  gtk_widget_class_install_property_action (widget_class, "attention.run", "run");
  gtk_widget_class_install_action (widget_class, "attention.export-figure", NULL, export_figure);
  gtk_widget_class_install_action (widget_class, "attention.export-data", NULL, export_data);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
pl_attention_dialog_init (PlAttentionDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self->view, "cell-hovered", G_CALLBACK (on_cell_hovered), self);
}
