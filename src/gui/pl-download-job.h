/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-download-job.h: pl_download_model on a background thread, reporting to the main loop.
 *
 *   PlDownloadJob *job = pl_download_job_new ("gpt2");
 *   g_signal_connect (job, "progress", G_CALLBACK (on_progress), self);
 *   g_signal_connect (job, "finished", G_CALLBACK (on_finished), self);
 *   pl_download_job_start (job);
 *
 * Same contract as PlSweepJob: signals on the main context it was made on, none after
 * pl_download_job_cancel, the worker holds a job ref and never a widget.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define PL_TYPE_DOWNLOAD_JOB (pl_download_job_get_type ())
G_DECLARE_FINAL_TYPE (PlDownloadJob, pl_download_job, PL, DOWNLOAD_JOB, GObject)

PlDownloadJob *pl_download_job_new      (const char    *name);
void           pl_download_job_start    (PlDownloadJob *self);
void           pl_download_job_cancel   (PlDownloadJob *self);
/* In a "progress" handler: fraction in [0, 1] (or < 0 while unknown) and a line such as
 * "model.safetensors: 120 MB of 548 MB · 2.1 MB/s · about 3 min left". */
double         pl_download_job_get_fraction (PlDownloadJob *self);
const char    *pl_download_job_get_text     (PlDownloadJob *self);
/* After "finished": the folder (NULL on error) or the error. */
const char    *pl_download_job_get_dir      (PlDownloadJob *self);
const GError  *pl_download_job_get_error    (PlDownloadJob *self);

G_END_DECLS
