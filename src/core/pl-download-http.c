/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-download-http.c: the HTTP side of a model download with libsoup 3's synchronous
 * API: requests (Range, identity encoding, the token for the hub only), redirects
 * followed by hand, the hub's X-Linked-Size / X-Linked-Etag headers, and user-facing
 * HTTP errors.
 *
 * The hub answers a resolve URL of a large (LFS) file with a 302 to a CDN, and the
 * file's size and SHA-256 are only on that first response, hence the manual redirects.
 */
#include "config.h"

#include "pl-download-private.h"

#include <string.h>

#include "pl-error.h"
#include "pl-model-store.h"

#define MAX_REDIRECTS     5

char *
pl_download_file_url (Download *dl, int i)
{
  g_autofree char *repo = pl_model_store_hub_repo (dl->name);

  return g_strdup_printf ("%s/%s/resolve/main/%s", dl->endpoint, repo, files[i]);
}

/* "host" or "host:port", for messages. */
static char *
url_host (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  const char *host = uri != NULL ? g_uri_get_host (uri) : NULL;
  int port = uri != NULL ? g_uri_get_port (uri) : -1;

  if (host == NULL)
    return g_strdup (url);
  if (port > 0 && port != 80 && port != 443)
    return g_strdup_printf ("%s:%d", host, port);
  return g_strdup (host);
}

static void
set_network_error (GError **error, GError *cause, const char *url)
{
  g_autofree char *host = url_host (url);

  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_propagate_error (error, cause);
  else
    {
      g_set_error (error, PL_ERROR, PL_ERROR_NETWORK, "Could not reach %s: %s",
                   host, cause->message);
      g_error_free (cause);
    }
}

static guint64
parse_u64 (const char *s, gboolean *ok)
{
  guint64 v = 0;

  *ok = s != NULL && g_ascii_string_to_unsigned (s, 10, 0, G_MAXUINT64, &v, NULL);
  return v;
}

void
pl_download_read_content_length (SoupMessageHeaders *h, FileMeta *meta)
{
  if (meta->size_known)
    return;
  meta->size = parse_u64 (soup_message_headers_get_one (h, "Content-Length"),
                          &meta->size_known);
}

/* X-Linked-Etag is the SHA-256 of an LFS file, quoted, sometimes weak (W/"..."). */
static char *
parse_sha256_etag (const char *etag)
{
  g_autofree char *s = NULL;

  if (etag == NULL)
    return NULL;
  if (g_str_has_prefix (etag, "W/"))
    etag += 2;
  s = g_ascii_strdown (etag, -1);
  g_strstrip (s);
  if (s[0] == '"')
    memmove (s, s + 1, strlen (s));
  if (s[0] != '\0' && s[strlen (s) - 1] == '"')
    s[strlen (s) - 1] = '\0';
  if (strlen (s) != 64 || strspn (s, "0123456789abcdef") != 64)
    return NULL;
  return g_steal_pointer (&s);
}

/* Takes the size and hash a hub response announces, if it announces them. */
void
pl_download_read_linked_headers (SoupMessageHeaders *h, FileMeta *meta)
{
  gboolean ok;
  guint64 size = parse_u64 (soup_message_headers_get_one (h, "X-Linked-Size"), &ok);
  char *sha = parse_sha256_etag (soup_message_headers_get_one (h, "X-Linked-Etag"));

  if (ok)
    {
      meta->size = size;
      meta->size_known = TRUE;
    }
  if (sha != NULL)
    {
      g_free (meta->sha256);
      meta->sha256 = sha;
    }
}

static SoupMessage *
new_message (Download *dl, const char *method, const char *url, guint64 range_from)
{
  SoupMessage *msg = soup_message_new (method, url);
  SoupMessageHeaders *h;
  g_autofree char *range = NULL;

  if (msg == NULL)
    return NULL;
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  h = soup_message_get_request_headers (msg);
  /* Sizes and Range offsets are in bytes of the file itself, never of a gzip of it. */
  soup_message_headers_replace (h, "Accept-Encoding", "identity");
  if (range_from > 0)
    {
      range = g_strdup_printf ("bytes=%" G_GUINT64_FORMAT "-", range_from);
      soup_message_headers_replace (h, "Range", range);
      /* The rest of the same file, or (when it changed) the whole new one. */
      if (dl->if_range != NULL)
        soup_message_headers_replace (h, "If-Range", dl->if_range);
    }
  /* The token goes to the hub only, never to the CDN it redirects to. */
  if (dl->token != NULL && dl->auth_host != NULL
      && g_strcmp0 (g_uri_get_host (soup_message_get_uri (msg)), dl->auth_host) == 0)
    {
      g_autofree char *bearer = g_strconcat ("Bearer ", dl->token, NULL);
      soup_message_headers_replace (h, "Authorization", bearer);
    }
  return msg;
}

/* Sends method to url, following redirects by hand and reading X-Linked-* on every
 * hop into meta. A HEAD stops at the first response that announces a size. Returns the
 * body stream and the last message (*msg_out), whatever its status; NULL on a network
 * error. */
GInputStream *
pl_download_send_following (Download *dl, const char *method, const char *url,
                            guint64 range_from, FileMeta *meta, SoupMessage **msg_out, GError **error)
{
  g_autofree char *current = g_strdup (url);

  for (int hop = 0; hop <= MAX_REDIRECTS; hop++)
    {
      g_autoptr(SoupMessage) msg = new_message (dl, method, current, range_from);
      GInputStream *stream;
      GError *local = NULL;
      const char *location;
      char *next;

      if (msg == NULL)
        {
          g_set_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
                       "'%s' is not a valid http(s) URL", current);
          return NULL;
        }
      stream = soup_session_send (dl->session, msg, dl->cancellable, &local);
      if (stream == NULL)
        {
          set_network_error (error, local, current);
          return NULL;
        }
      pl_download_read_linked_headers (soup_message_get_response_headers (msg), meta);
      location = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                               "Location");
      if (!SOUP_STATUS_IS_REDIRECTION (soup_message_get_status (msg)) || location == NULL
          || (strcmp (method, "HEAD") == 0 && meta->size_known))
        {
          *msg_out = g_steal_pointer (&msg);
          return stream;
        }
      g_input_stream_close (stream, NULL, NULL);
      g_object_unref (stream);
      if (hop == MAX_REDIRECTS)
        {
          g_set_error (error, PL_ERROR, PL_ERROR_HTTP, "The hub sent the download of %s "
                       "round in circles: more than %d redirects, the last one to %s. "
                       "Try again later; if it persists, check HF_ENDPOINT",
                       url, MAX_REDIRECTS, location);
          return NULL;
        }
      next = pl_download_redirect_target (current, location, error);
      if (next == NULL)
        return NULL;
      g_free (current);
      current = next;
    }
  g_assert_not_reached ();
}

/* The URL a Location header sends base to: relative ones (a renamed repo) resolved,
 * only http and https accepted. */
char *
pl_download_redirect_target (const char *base, const char *location, GError **error)
{
  g_autoptr(GUri) from = g_uri_parse (base, SOUP_HTTP_URI_FLAGS, NULL);
  g_autoptr(GUri) next = NULL;
  const char *scheme;

  if (from != NULL)
    next = g_uri_parse_relative (from, location, SOUP_HTTP_URI_FLAGS, NULL);
  scheme = next != NULL ? g_uri_get_scheme (next) : NULL;
  if (next == NULL || g_uri_get_host (next) == NULL || g_uri_get_host (next)[0] == '\0'
      || (g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_HTTP, "The server redirected %s to '%s', "
                   "which is not a web address a download can follow", base, location);
      return NULL;
    }
  return g_uri_to_string (next);
}

/* A user-facing message for an HTTP status that is not a success. */
void
pl_download_set_http_error (Download *dl, int i, SoupMessage *msg, const char *url, GError **error)
{
  guint status = soup_message_get_status (msg);
  const char *code = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                   "X-Error-Code");
  /* The hub answers 401, not 404, for a repository it does not have. */
  gboolean no_repo = g_strcmp0 (code, "RepoNotFound") == 0
                     || (status == SOUP_STATUS_NOT_FOUND && i == 0
                         && g_strcmp0 (code, "EntryNotFound") != 0);

  if (no_repo)
    g_set_error (error, PL_ERROR, PL_ERROR_HTTP, "The hub has no model '%s' (HTTP %u for %s)",
                 dl->name, status, url);
  else if (status == SOUP_STATUS_NOT_FOUND)
    g_set_error (error, PL_ERROR, PL_ERROR_HTTP,
                 "The hub's model '%s' has no file %s (HTTP 404 for %s)",
                 dl->name, files[i], url);
  else if (status == SOUP_STATUS_UNAUTHORIZED || status == SOUP_STATUS_FORBIDDEN)
    g_set_error (error, PL_ERROR, PL_ERROR_HTTP,
                 "The hub refused access to model '%s' (HTTP %u for %s). %s",
                 dl->name, status, url,
                 dl->token != NULL
                   ? "Check that HF_TOKEN holds a valid token that may read this model."
                   : "The model may be gated or private: set HF_TOKEN to a Hugging Face "
                     "access token that may read it.");
  else
    g_set_error (error, PL_ERROR, PL_ERROR_HTTP, "HTTP %u %s for %s", status,
                 soup_message_get_reason_phrase (msg) != NULL
                   ? soup_message_get_reason_phrase (msg) : "", url);
}

/* HEAD the file: its size (and hash) before any byte is fetched, for the total. */
gboolean
pl_download_probe (Download *dl, int i, GError **error)
{
  g_autofree char *url = pl_download_file_url (dl, i);
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GInputStream) stream = pl_download_send_following (dl, "HEAD", url, 0,
                                                               &dl->meta[i], &msg, error);
  guint status;

  if (stream == NULL)
    return FALSE;
  g_input_stream_close (stream, NULL, NULL);
  status = soup_message_get_status (msg);
  if (SOUP_STATUS_IS_SUCCESSFUL (status))
    pl_download_read_content_length (soup_message_get_response_headers (msg), &dl->meta[i]);
  else if (!SOUP_STATUS_IS_SUCCESSFUL (status) && !SOUP_STATUS_IS_REDIRECTION (status))
    {
      pl_download_set_http_error (dl, i, msg, url, error);
      return FALSE;
    }
  return TRUE;
}

/* The offset a 206's Content-Range starts at ("bytes START-END/TOTAL"), and TOTAL. */
gboolean
pl_download_parse_content_range (SoupMessageHeaders *h, guint64 *start, guint64 *total,
                                 gboolean *total_known)
{
  const char *cr = soup_message_headers_get_one (h, "Content-Range");
  char *end = NULL;
  const char *slash;

  if (cr == NULL || !g_str_has_prefix (cr, "bytes "))
    return FALSE;
  *start = g_ascii_strtoull (cr + 6, &end, 10);
  if (end == cr + 6 || *end != '-')
    return FALSE;
  slash = strchr (cr, '/');
  *total = slash != NULL ? parse_u64 (slash + 1, total_known) : 0;
  if (slash == NULL)
    *total_known = FALSE;
  return TRUE;
}
