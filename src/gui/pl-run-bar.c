/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-run-bar.c: PlRunBar: Run, Cancel and the sweep's progress.
 */
#include "config.h"

#include "pl-run-bar.h"

#include <glib/gi18n.h>

/* The first batches carry the clean and corrupted runs and the start-up of the
 * kernels: an estimate from fewer cells than this share runs several times too long
 * (12 s said for a 3 s sweep). */
#define ESTIMATE_FROM 0.2

struct _PlRunBar {
  GtkWidget       parent_instance;

  GtkWidget      *run_box;
  GtkButton      *cancel_button;
  GtkRevealer    *progress_revealer;
  GtkProgressBar *progress_bar;
  GtkLabel       *progress_label;
};

G_DEFINE_FINAL_TYPE (PlRunBar, pl_run_bar, GTK_TYPE_WIDGET)

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

char *
pl_run_bar_describe (int    done,
                     int    total,
                     double elapsed)
{
  g_autofree char *left = done >= ESTIMATE_FROM * total && done > 0
                          ? describe_time_left (elapsed * (total - done) / done)
                          : g_strdup (_("estimating the time left"));

  /* Translators: sweep progress: cells done / total, then the time left */
  return g_strdup_printf (_("%d / %d cells · %s"), done, total, left);
}

void
pl_run_bar_start (PlRunBar *self)
{
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_label_set_text (self->progress_label, _("Starting…"));
  gtk_revealer_set_reveal_child (self->progress_revealer, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), TRUE);
}

void
pl_run_bar_progress (PlRunBar *self,
                     int       done,
                     int       total,
                     double    elapsed)
{
  g_autofree char *text = NULL;

  if (total <= 0)
    return;
  gtk_progress_bar_set_fraction (self->progress_bar, (double) done / total);
  text = pl_run_bar_describe (done, total, elapsed);
  gtk_label_set_text (self->progress_label, text);
}

void
pl_run_bar_stop (PlRunBar *self)
{
  gtk_revealer_set_reveal_child (self->progress_revealer, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), FALSE);
}

gboolean
pl_run_bar_is_running (PlRunBar *self)
{
  return gtk_widget_get_visible (GTK_WIDGET (self->cancel_button)) &&
         gtk_revealer_get_reveal_child (self->progress_revealer);
}

const char *
pl_run_bar_get_text (PlRunBar *self)
{
  return gtk_label_get_text (self->progress_label);
}

static void
pl_run_bar_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), PL_TYPE_RUN_BAR);
  G_OBJECT_CLASS (pl_run_bar_parent_class)->dispose (object);
}

static void
pl_run_bar_class_init (PlRunBarClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = pl_run_bar_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/patchlens/Patchlens/pl-run-bar.ui");
  gtk_widget_class_bind_template_child (widget_class, PlRunBar, run_box);
  gtk_widget_class_bind_template_child (widget_class, PlRunBar, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, PlRunBar, progress_revealer);
  gtk_widget_class_bind_template_child (widget_class, PlRunBar, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, PlRunBar, progress_label);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
pl_run_bar_init (PlRunBar *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
