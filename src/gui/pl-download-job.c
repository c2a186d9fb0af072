/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-download-job.c: a model download on a GThread with coalesced progress on the main
 * loop.
 */
#include "config.h"

#include "pl-download-job.h"
#include "pl-main-context.h"

#include <glib/gi18n.h>

#include "pl-download.h"

struct _PlDownloadJob {
  GObject       parent_instance;

  char         *name;
  GMainContext *context;
  GCancellable *cancellable;

  GMutex        lock;          /* guards the pending_* fields and queued */
  double        pending_fraction;
  char         *pending_text;
  gboolean      queued;

  double        fraction;      /* main thread copies */
  char         *text;
  char         *dir;
  GError       *error;
};

G_DEFINE_FINAL_TYPE (PlDownloadJob, pl_download_job, G_TYPE_OBJECT)

enum { SIGNAL_PROGRESS, SIGNAL_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
pl_download_job_finalize (GObject *object)
{
  PlDownloadJob *self = PL_DOWNLOAD_JOB (object);

  g_free (self->name);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_object (&self->cancellable);
  g_mutex_clear (&self->lock);
  g_free (self->pending_text);
  g_free (self->text);
  g_free (self->dir);
  g_clear_error (&self->error);
  G_OBJECT_CLASS (pl_download_job_parent_class)->finalize (object);
}

static void
pl_download_job_class_init (PlDownloadJobClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pl_download_job_finalize;
  signals[SIGNAL_PROGRESS] = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 0);
  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 0);
}

static void
pl_download_job_init (PlDownloadJob *self)
{
  g_mutex_init (&self->lock);
  self->cancellable = g_cancellable_new ();
  self->context = g_main_context_ref_thread_default ();
  self->fraction = -1;
}

PlDownloadJob *
pl_download_job_new (const char *name)
{
  PlDownloadJob *self = g_object_new (PL_TYPE_DOWNLOAD_JOB, NULL);

  self->name = g_strdup (name);
  return self;
}

static gboolean
emit_progress (gpointer data)
{
  PlDownloadJob *self = data;

  g_mutex_lock (&self->lock);
  self->queued = FALSE;
  self->fraction = self->pending_fraction;
  g_free (self->text);
  self->text = g_strdup (self->pending_text);
  g_mutex_unlock (&self->lock);
  if (!g_cancellable_is_cancelled (self->cancellable))
    g_signal_emit (self, signals[SIGNAL_PROGRESS], 0);
  return G_SOURCE_REMOVE;
}

/* A rough time left, rounded up so that it never reads zero: "about 40 s left" under
 * a minute and a half, else "about 3 min left". */
static char *
describe_time_left (double seconds)
{
  if (seconds < 90)
    /* Translators: time left of a download, in seconds */
    return g_strdup_printf (_("about %d s left"), MAX ((int) (seconds + 0.999), 1));
  /* Translators: time left of a download, in minutes */
  return g_strdup_printf (_("about %d min left"), (int) (seconds / 60.0 + 0.5));
}

/* "model.safetensors: 120 MB of 548 MB · 2.1 MB/s · about 3 min left"; the rate and the
 * time left only once the download knows them. */
static char *
describe_progress (const PlDownloadProgress *p)
{
  g_autofree char *done = g_format_size (p->bytes_done);
  g_autofree char *total = p->bytes_total ? g_format_size (p->bytes_total) : NULL;
  GString *s = g_string_new (p->file);

  g_string_append (s, ": ");
  if (total != NULL)
    /* Translators: "120 MB of 548 MB" */
    g_string_append_printf (s, _("%s of %s"), done, total);
  else
    g_string_append (s, done);
  if (p->rate > 0)
    {
      g_autofree char *rate = g_format_size ((guint64) p->rate);
      g_string_append (s, " · ");
      /* Translators: a download rate, "2.1 MB/s" */
      g_string_append_printf (s, _("%s/s"), rate);
    }
  if (p->seconds_left >= 0 && p->bytes_done < p->bytes_total)
    {
      g_autofree char *left = describe_time_left (p->seconds_left);
      g_string_append_printf (s, " · %s", left);
    }
  return g_string_free (s, FALSE);
}

/* Worker thread. */
static void
on_download_progress (const PlDownloadProgress *p,
                      gpointer                  user_data)
{
  PlDownloadJob *self = user_data;
  char *text = describe_progress (p);
  gboolean queue;

  g_mutex_lock (&self->lock);
  self->pending_fraction = p->bytes_total ? (double) p->bytes_done / p->bytes_total : -1;
  g_free (self->pending_text);
  self->pending_text = text;
  queue = !self->queued;
  self->queued = TRUE;
  g_mutex_unlock (&self->lock);
  if (queue)
    pl_run_on_context (self->context, "pl-download-job", emit_progress,
                       g_object_ref (self), g_object_unref);
}

typedef struct {
  PlDownloadJob *job;
  char          *dir;
  GError        *error;
} Finish;

static gboolean
emit_finished (gpointer data)
{
  Finish *f = data;

  if (!g_cancellable_is_cancelled (f->job->cancellable))
    {
      f->job->dir = g_steal_pointer (&f->dir);
      f->job->error = g_steal_pointer (&f->error);
      g_signal_emit (f->job, signals[SIGNAL_FINISHED], 0);
    }
  g_free (f->dir);
  g_clear_error (&f->error);
  g_object_unref (f->job);
  g_free (f);
  return G_SOURCE_REMOVE;
}

static gpointer
download_thread (gpointer data)
{
  PlDownloadJob *self = data;
  Finish *f = g_new0 (Finish, 1);

  f->job = self;
  f->dir = pl_download_model (self->name, NULL, on_download_progress, self,
                              self->cancellable, &f->error);
  if (f->dir == NULL && f->error == NULL)
    g_set_error_literal (&f->error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The download failed."));
  pl_run_on_context (self->context, "pl-download-job", emit_finished, f, NULL);
  return NULL;
}

void
pl_download_job_start (PlDownloadJob *self)
{
  g_thread_unref (g_thread_new ("pl-download", download_thread, g_object_ref (self)));
}

void
pl_download_job_cancel (PlDownloadJob *self)
{
  g_cancellable_cancel (self->cancellable);
}

double
pl_download_job_get_fraction (PlDownloadJob *self)
{
  return self->fraction;
}

const char *
pl_download_job_get_text (PlDownloadJob *self)
{
  return self->text;
}

const char *
pl_download_job_get_dir (PlDownloadJob *self)
{
  return self->dir;
}

const GError *
pl_download_job_get_error (PlDownloadJob *self)
{
  return self->error;
}
