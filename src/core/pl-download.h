/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-download.h: fetching a GPT-2 model from the Hugging Face hub (libsoup 3).
 *
 *   char *dir = pl_download_model ("gpt2", NULL, on_progress, data, cancellable, &error);
 *
 * Fetches config.json, vocab.json, merges.txt and model.safetensors from
 * $HF_ENDPOINT (default https://huggingface.co)/openai-community/NAME/resolve/main/FILE
 * into dest (default pl_model_store_user_dir (name)). Each file goes to FILE.part,
 * resumes with an HTTP Range request when a .part exists, is checked against the size
 * (Content-Length / Content-Range) and, for large files, the SHA-256 the hub announces
 * in X-Linked-Etag, and only then renamed into place; model.safetensors comes last, so
 * a folder with it is complete. A failed or cancelled download removes nothing already
 * complete and never leaves a half model that looks whole (the .part stays for a
 * resume; pl_download_model removes it on a checksum mismatch).
 *
 * Errors: PL_ERROR_NETWORK (no connection), PL_ERROR_HTTP (404: "no model NAME on the
 * hub", 401/403), PL_ERROR_CHECKSUM (names the file), PL_ERROR_IO (disk full, with the
 * path), G_IO_ERROR_CANCELLED.
 *
 * Blocking: call it from a worker thread. progress runs on that thread.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  const char *file;          /* the file being fetched */
  int         file_index;    /* 0-based */
  int         n_files;
  guint64     bytes_done;    /* over all files, including resumed bytes */
  guint64     bytes_total;   /* 0 while unknown */
  double      rate;          /* bytes per second, smoothed */
  double      seconds_left;  /* < 0 while unknown */
} PlDownloadProgress;

typedef void (*PlDownloadProgressFunc) (const PlDownloadProgress *progress,
                                        gpointer                  user_data);

/* The base URL: $HF_ENDPOINT or https://huggingface.co, without a trailing slash. */
char *pl_download_endpoint (void);

/* Returns the folder it filled (dest or the default). */
char *pl_download_model    (const char              *name,
                            const char              *dest,
                            PlDownloadProgressFunc   progress,
                            gpointer                 user_data,
                            GCancellable            *cancellable,
                            GError                 **error);

/* The same from another hub (a mirror, or a test server): endpoint is a base URL such
 * as "http://127.0.0.1:8080"; NULL means pl_download_endpoint (). */
char *pl_download_model_from (const char              *endpoint,
                              const char              *name,
                              const char              *dest,
                              PlDownloadProgressFunc   progress,
                              gpointer                 user_data,
                              GCancellable            *cancellable,
                              GError                 **error);

G_END_DECLS
