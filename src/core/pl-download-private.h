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
  const char             *if_range;    /* sent with the next Range, when not NULL */
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
void          pl_download_read_content_length (SoupMessageHeaders *h,
                                               FileMeta           *meta);
/* The size and SHA-256 the hub announces (X-Linked-Size, X-Linked-Etag), if any. */
void          pl_download_read_linked_headers (SoupMessageHeaders *h,
                                               FileMeta           *meta);
/* The offset a 206's Content-Range starts at ("bytes START-END/TOTAL"), and TOTAL. */
gboolean      pl_download_parse_content_range (SoupMessageHeaders *h,
                                               guint64            *start,
                                               guint64            *total,
                                               gboolean           *total_known);
/* Where a Location header sends base (resolved; http and https only), or NULL with a
 * PL_ERROR_HTTP. */
char         *pl_download_redirect_target     (const char         *base,
                                               const char         *location,
                                               GError            **error);

/* ---- pl-download-check.c: what a file must be before it counts ---- */

/* The most bytes files[i] may have: a few times the largest GPT-2 model's. */
guint64       pl_download_size_limit          (int                 i);
/* An announced size within the limit; else an error in the user's words. */
gboolean      pl_download_check_size          (int                 i,
                                               const FileMeta     *meta,
                                               GError            **error);
/* needed bytes fit in the free space of dest's file system (or its nearest parent). */
gboolean      pl_download_check_space         (const char         *dest,
                                               guint64             needed,
                                               GError            **error);
/* The bytes of files[i] look like what it should be (a config, a vocab, merges; the
 * model is checked by loading it): PL_ERROR_FORMAT naming the file and the URL. */
gboolean      pl_download_check_body          (int                 i,
                                               const char         *data,
                                               gsize               len,
                                               const char         *url,
                                               GError            **error);
/* The same for a finished .part on disk; merges.txt is read with dest's vocab.json. */
gboolean      pl_download_check_part          (int                 i,
                                               const char         *part,
                                               const char         *dest,
                                               const char         *url,
                                               GError            **error);
/* The folder loads as a model (weights against config, tokenizer). */
gboolean      pl_download_check_model         (const char         *dest,
                                               GError            **error);

G_END_DECLS
