/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-download-private.h: the state of one model download, shared by pl-download.c (the
 * files on disk: .part, resume, checks, progress, the model as a whole) and
 * pl-download-http.c (talking to the hub: requests, redirects, headers, HTTP errors).
 * Not for use outside those files.
 */
#pragma once

#include <libsoup/soup.h>

#include "pl-download.h"

G_BEGIN_DECLS

/* model.safetensors last: a folder that has it is complete. */
static const char *const files[] = {
  "config.json", "vocab.json", "merges.txt", "model.safetensors",
};
#define N_FILES ((int) G_N_ELEMENTS (files))

/* What the hub tells about one file. */
typedef struct {
  guint64  size;         /* bytes, valid when size_known */
  gboolean size_known;
  char    *sha256;       /* 64 lowercase hex digits from X-Linked-Etag, or NULL */
} FileMeta;

typedef struct {
  SoupSession            *session;
  char                   *endpoint;    /* no trailing slash */
  char                   *auth_host;   /* the endpoint's host: the only one given HF_TOKEN */
  const char             *token;       /* $HF_TOKEN or NULL */
  const char             *name;
  const char             *dest;
  GCancellable           *cancellable;
  PlDownloadProgressFunc  progress;
  gpointer                user_data;

  FileMeta  meta[G_N_ELEMENTS (files)];
  int       file_index;
  guint64   done_before;      /* bytes of the files already finished or skipped */
  guint64   file_done;        /* bytes of the current file on disk, resumed ones included */
  guint64   transferred;      /* bytes received over the network by this call */
  gint64    last_report_us;
  guint64   last_report_transferred;
  int       last_report_file;
  double    rate;             /* bytes per second, smoothed */
} Download;

/* The URL of files[i] of the model on the hub. */
char         *pl_download_file_url          (Download     *dl,
                                             int           i);
/* Sends method to url, following redirects by hand and reading X-Linked-* on every
 * hop into meta. A HEAD stops at the first response that announces a size. Returns the
 * body stream and the last message (*msg_out), whatever its status; NULL on a network
 * error. */
GInputStream *pl_download_send_following    (Download     *dl,
                                             const char   *method,
                                             const char   *url,
                                             guint64       range_from,
                                             FileMeta     *meta,
                                             SoupMessage **msg_out,
                                             GError      **error);
/* A user-facing message for an HTTP status that is not a success. */
void          pl_download_set_http_error    (Download     *dl,
                                             int           i,
                                             SoupMessage  *msg,
                                             const char   *url,
                                             GError      **error);
/* HEAD files[i]: its size (and hash) into dl->meta[i] before any byte is fetched. */
gboolean      pl_download_probe             (Download     *dl,
                                             int           i,
                                             GError      **error);
/* The size of a full answer from its Content-Length, unless meta already knows it. */
void          pl_download_read_content_length (SoupMessage *msg,
                                               FileMeta    *meta);
/* The offset a 206's Content-Range starts at ("bytes START-END/TOTAL"), and TOTAL. */
gboolean      pl_download_parse_content_range (SoupMessage *msg,
                                               guint64     *start,
                                               guint64     *total,
                                               gboolean    *total_known);

G_END_DECLS
