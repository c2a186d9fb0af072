/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-nexttoken-pane.c: PlNexttokenPane: the three next-token tables, k, Copy, and the
 * patched run of a selected cell, computed on a worker thread.
 */
#include "config.h"

#include "pl-nexttoken-pane.h"

#include <glib/gi18n.h>

#include "pl-error.h"
#include "pl-token-strip.h"

struct _PlNexttokenPane {
  GtkWidget       parent_instance;

  GtkStack       *topk_stack;
  PlTopkTable    *clean_table;
  PlTopkTable    *corrupted_table;
  PlTopkTable    *cell_table;
  GtkSpinButton  *topk_spin;

  /* The selected cell, recomputed when k changes. */
  PlLoadedModel  *model;
  PlSharedResult *result;
  int             layer, pos;     /* -1: none */
  GCancellable   *cell_cancellable;
  char           *cell_message;   /* the cell table's placeholder */
};

G_DEFINE_FINAL_TYPE (PlNexttokenPane, pl_nexttoken_pane, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_K, N_PROPS };
static GParamSpec *props[N_PROPS];

int
pl_nexttoken_pane_get_k (PlNexttokenPane *self)
{
  return gtk_spin_button_get_value_as_int (self->topk_spin);
}

void
pl_nexttoken_pane_set_unpatched (PlNexttokenPane *self,
                                 const PlTopK    *clean,
                                 const PlTopK    *corrupted)
{
  pl_topk_table_set_topk (self->clean_table, clean);
  pl_topk_table_set_topk (self->corrupted_table, corrupted);
}

const PlTopK *
pl_nexttoken_pane_get_unpatched (PlNexttokenPane *self,
                                 gboolean         corrupted)
{
  return pl_topk_table_get_topk (corrupted ? self->corrupted_table : self->clean_table);
}

/* ---- the patched run of one cell ---- */

static void
set_cell_message (PlNexttokenPane *self,
                  const char      *text)
{
  g_free (self->cell_message);
  self->cell_message = g_strdup (text);
  pl_topk_table_set_placeholder (self->cell_table, text);
}

static void
forget_cell (PlNexttokenPane *self)
{
  if (self->cell_cancellable != NULL)
    g_cancellable_cancel (self->cell_cancellable);
  g_clear_object (&self->cell_cancellable);
  g_clear_pointer (&self->model, pl_loaded_model_unref);
  g_clear_pointer (&self->result, pl_shared_result_unref);
  self->layer = self->pos = -1;
}

void
pl_nexttoken_pane_reset_cell (PlNexttokenPane *self)
{
  forget_cell (self);
  pl_topk_table_set_topk (self->cell_table, NULL);
  pl_topk_table_set_caption (self->cell_table, NULL);
  set_cell_message (self, _("Click a cell of the heatmap to see the next tokens of that patched run."));
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
  PlModel *model = pl_loaded_model_get (d->model);
  PlTopK *top = pl_sweep_cell_topk (model, pl_shared_result_get (d->result), d->layer,
                                    d->pos, d->k);
  GError *error = NULL;

  if (!pl_model_check_intact (model, &error))
    {
      g_clear_pointer (&top, pl_topk_free);
      g_task_return_error (task, error);
    }
  else if (top == NULL)
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
  PlNexttokenPane *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* another cell, a new result, or the pane is gone */
  self = user_data;
  pl_topk_table_set_topk (self->cell_table, top);
  if (top == NULL)
    set_cell_message (self, error->message);
}

static void
compute_cell (PlNexttokenPane *self)
{
  g_autoptr(GTask) task = NULL;
  CellData *d;

  if (self->cell_cancellable != NULL)
    g_cancellable_cancel (self->cell_cancellable);
  g_clear_object (&self->cell_cancellable);
  pl_topk_table_set_topk (self->cell_table, NULL);
  if (self->result == NULL || self->model == NULL ||
      pl_shared_result_get (self->result)->final_hidden == NULL)
    {
      set_cell_message (self, self->result == NULL
          ? _("The sweep is still running; click the cell again when it is done.")
          : _("This result was opened from a file; run the sweep again to see a cell's predictions."));
      return;
    }
  set_cell_message (self, _("Computing…"));
  self->cell_cancellable = g_cancellable_new ();
  d = g_new0 (CellData, 1);
  d->model = pl_loaded_model_ref (self->model);
  d->result = pl_shared_result_ref (self->result);
  d->layer = self->layer;
  d->pos = self->pos;
  d->k = pl_nexttoken_pane_get_k (self);
  task = g_task_new (NULL, self->cell_cancellable, on_cell_topk_done, self);
  g_task_set_task_data (task, d, cell_data_free);
  g_task_run_in_thread (task, cell_thread);
}

/* The caption of a head cell (row, col of the figure: pl-heatmap.c's layout) or of a
 * noising result: which run, which component, patched from which run. */
static char *
head_cell_caption (const PlSweepResult *r,
                   int                  row,
                   int                  col)
{
  gboolean noise = r->direction == PL_DIRECTION_NOISE;
  const char *runs = noise ? _("of the clean run with %s patched from the corrupted run")
                           : _("of the corrupted run with %s patched from the clean run");
  g_autofree char *what = NULL, *tail = NULL, *token = NULL;
  int H = MAX (r->n_heads, 1);

  if (!pl_site_is_head (r->site))
    {
      token = col < r->n_positions ? pl_token_display (r->inputs->clean.pieces[col]) : NULL;
      what = g_strdup_printf (_("layer %d at position %d (“%s”)"), row, col,
                              token ? token : "");
    }
  else if (!r->by_position)
    /* Translators: "H7" is the head; %s is the site (head_out, head_q…) */
    what = g_strdup_printf (_("%s of head L%d H%d at every position"),
                            pl_site_to_string (r->site), row, col);
  else
    {
      token = col < r->n_positions ? pl_token_display (r->inputs->clean.pieces[col]) : NULL;
      what = g_strdup_printf (_("%s of head L%d H%d at position %d (“%s”)"),
                              pl_site_to_string (r->site), row / H, row % H, col,
                              token ? token : "");
    }
  tail = g_strdup_printf (runs, what);
  /* Translators: "Next tokens " + "of the corrupted run with … patched from the clean run" */
  return g_strdup_printf (_("Next tokens %s"), tail);
}

void
pl_nexttoken_pane_show_cell (PlNexttokenPane *self,
                             PlLoadedModel   *model,
                             PlSharedResult  *result,
                             int              layer,
                             int              pos)
{
  PlSweepResult *r = result ? pl_shared_result_get (result) : NULL;
  g_autofree char *caption = NULL, *token = NULL;

  forget_cell (self);
  self->model = model ? pl_loaded_model_ref (model) : NULL;
  self->result = result ? pl_shared_result_ref (result) : NULL;
  self->layer = layer;
  self->pos = pos;
  if (r != NULL && (pl_site_is_head (r->site) || r->direction == PL_DIRECTION_NOISE))
    caption = head_cell_caption (r, layer, pos);
  else
    {
      if (r != NULL && pos < r->n_positions)
        token = pl_token_display (r->inputs->clean.pieces[pos]);
      if (token != NULL)
        caption = g_strdup_printf (_("Next tokens of the corrupted run with layer %d at position %d (“%s”) patched from the clean run"),
                                   layer, pos, token);
      else
        caption = g_strdup_printf (_("Next tokens of the corrupted run with layer %d at position %d patched from the clean run"),
                                   layer, pos);
    }
  pl_topk_table_set_caption (self->cell_table, caption);
  gtk_stack_set_visible_child_name (self->topk_stack, "cell");
  compute_cell (self);
}

static void
on_k_changed (PlNexttokenPane *self)
{
  if (self->layer >= 0)
    compute_cell (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_K]);
}

/* ---- Copy ---- */

static void
copy_table (GtkWidget  *widget,
            const char *action,
            GVariant   *param)
{
  PlNexttokenPane *self = PL_NEXTTOKEN_PANE (widget);
  const char *page = gtk_stack_get_visible_child_name (self->topk_stack);
  PlTopkTable *table = PL_TOPK_TABLE (gtk_stack_get_visible_child (self->topk_stack));
  gboolean md = g_strcmp0 (g_variant_get_string (param, NULL), "markdown") == 0;
  g_autofree char *text = md ? pl_topk_table_to_markdown (table) : pl_topk_table_to_csv (table);
  g_autofree char *msg = NULL;

  if (text == NULL)
    {
      gtk_widget_activate_action (widget, "win.toast", "s", _("This table is empty."));
      return;
    }
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text);
  /* Translators: "Copied the clean table as Markdown" */
  msg = g_strdup_printf (md ? _("Copied the %s table as Markdown") : _("Copied the %s table as CSV"),
                         g_strcmp0 (page, "clean") == 0 ? _("clean")
                         : g_strcmp0 (page, "corrupted") == 0 ? _("corrupted") : _("patched cell"));
  gtk_widget_activate_action (widget, "win.toast", "s", msg);
}

/* ---- for tests ---- */

PlTopkTable *
pl_nexttoken_pane_get_table (PlNexttokenPane *self,
                             const char      *name)
{
  return PL_TOPK_TABLE (gtk_stack_get_child_by_name (self->topk_stack, name));
}

const char *
pl_nexttoken_pane_get_page (PlNexttokenPane *self)
{
  return gtk_stack_get_visible_child_name (self->topk_stack);
}

const char *
pl_nexttoken_pane_get_cell_placeholder (PlNexttokenPane *self)
{
  return self->cell_message;
}

/* ---- GObject ---- */

static void
pl_nexttoken_pane_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  if (id == PROP_K)
    g_value_set_int (value, pl_nexttoken_pane_get_k (PL_NEXTTOKEN_PANE (object)));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
pl_nexttoken_pane_set_property (GObject *object, guint id, const GValue *value,
                                GParamSpec *pspec)
{
  if (id == PROP_K)
    gtk_spin_button_set_value (PL_NEXTTOKEN_PANE (object)->topk_spin, g_value_get_int (value));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
pl_nexttoken_pane_dispose (GObject *object)
{
  PlNexttokenPane *self = PL_NEXTTOKEN_PANE (object);

  forget_cell (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), PL_TYPE_NEXTTOKEN_PANE);
  /* The template's root has no id: gtk_widget_dispose_template leaves it. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self)));)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (pl_nexttoken_pane_parent_class)->dispose (object);
}

static void
pl_nexttoken_pane_finalize (GObject *object)
{
  g_free (PL_NEXTTOKEN_PANE (object)->cell_message);
  G_OBJECT_CLASS (pl_nexttoken_pane_parent_class)->finalize (object);
}

static void
pl_nexttoken_pane_class_init (PlNexttokenPaneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = pl_nexttoken_pane_get_property;
  object_class->set_property = pl_nexttoken_pane_set_property;
  object_class->dispose = pl_nexttoken_pane_dispose;
  object_class->finalize = pl_nexttoken_pane_finalize;
  props[PROP_K] = g_param_spec_int ("k", NULL, NULL, 1, 200, 20,
                                    G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  g_type_ensure (PL_TYPE_TOPK_TABLE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/patchlens/Patchlens/pl-nexttoken-pane.ui");
  gtk_widget_class_bind_template_child (widget_class, PlNexttokenPane, topk_stack);
  gtk_widget_class_bind_template_child (widget_class, PlNexttokenPane, clean_table);
  gtk_widget_class_bind_template_child (widget_class, PlNexttokenPane, corrupted_table);
  gtk_widget_class_bind_template_child (widget_class, PlNexttokenPane, cell_table);
  gtk_widget_class_bind_template_child (widget_class, PlNexttokenPane, topk_spin);
  gtk_widget_class_install_action (widget_class, "pane.copy", "s", copy_table);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
pl_nexttoken_pane_init (PlNexttokenPane *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->layer = self->pos = -1;
  pl_topk_table_set_placeholder (self->clean_table,
                                 _("The clean run's next tokens appear here once a model is loaded and the prompt is typed."));
  pl_topk_table_set_placeholder (self->corrupted_table,
                                 _("The corrupted run's next tokens appear here once a model is loaded and the prompt is typed."));
  pl_topk_table_set_caption (self->clean_table, _("Clean run: the most likely next tokens"));
  pl_topk_table_set_caption (self->corrupted_table,
                             _("Corrupted run: the most likely next tokens"));
  pl_nexttoken_pane_reset_cell (self);
  g_signal_connect_swapped (self->topk_spin, "value-changed", G_CALLBACK (on_k_changed), self);
}
