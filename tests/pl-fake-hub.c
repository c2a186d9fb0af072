/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-fake-hub.c: a fake Hugging Face hub on 127.0.0.1 for the download tests (see
 * pl-fake-hub.h). The server thread reads the behaviour and writes what it saw under
 * the hub's lock; the test thread sets and reads them through the functions below.
 */
#include <libsoup/soup.h>
#include <string.h>

#include "pl-fake-hub.h"

const char *const pl_fake_hub_files[4] = {
  "config.json", "vocab.json", "merges.txt", "model.safetensors",
};

struct _PlFakeHub {
  GThread            *thread;
  GMainContext       *ctx;
  GMainLoop          *loop;
  SoupServer         *server;
  char               *base;          /* "http://127.0.0.1:PORT" */
  char               *prefix;        /* "/openai-community/REPO/resolve/main/" */
  GBytes             *files[4];      /* as pl_fake_hub_files */
  char               *model_sha256;
  GMutex              lock;
  GCond               ready;

  /* Under lock. */
  PlFakeHubBehaviour  b;
  gsize               hold_at;       /* when > 0, the CDN body stops after this many bytes... */
  gboolean            holding;       /* ...(TRUE once it waits there)... */
  GCond               released;      /* ...until pl_fake_hub_release */
  GPtrArray          *cdn_ranges;    /* the Range of each CDN request, "" if none */
  guint               cdn_gets;
};

/* "bytes=N-" to N; -1 when absent or not of that form. */
static gssize
range_start (const char *range)
{
  char *end = NULL;
  guint64 v;

  if (range == NULL || !g_str_has_prefix (range, "bytes="))
    return -1;
  v = g_ascii_strtoull (range + 6, &end, 10);
  return (end != range + 6 && *end == '-' && end[1] == '\0') ? (gssize) v : -1;
}

static const char *
request_range (SoupServerMessage *msg)
{
  return soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                       "Range");
}

/* In the CDN body, once sent bytes are out: waits while the test holds the download
 * there, so that it provably cannot finish meanwhile. */
static void
hold_if_asked (PlFakeHub *hub,
               gsize      sent)
{
  g_mutex_lock (&hub->lock);
  if (hub->hold_at > 0 && sent >= hub->hold_at)
    {
      hub->holding = TRUE;
      g_main_context_wakeup (NULL);   /* the test may wait for this in its main loop */
      while (hub->hold_at > 0)
        g_cond_wait (&hub->released, &hub->lock);
      hub->holding = FALSE;
    }
  g_mutex_unlock (&hub->lock);
}

/* Writes the response by hand on the stolen connection, so it can be cut short or
 * slowed down: headers for the whole body from start (from 0 when start is past the
 * end), then the bytes up to end in chunks delay_us apart, then close. Returns early
 * when the client hangs up (a cancelled download). */
static void
raw_response (PlFakeHub *hub, SoupServerMessage *msg, const guchar *data, gsize len,
              gsize start, gsize end, gsize chunk, gulong delay_us)
{
  GIOStream *io = soup_server_message_steal_connection (msg);
  GOutputStream *out = g_io_stream_get_output_stream (io);
  g_autofree char *head = NULL;

  if (start > 0 && start < len)
    head = g_strdup_printf ("HTTP/1.1 206 Partial Content\r\nContent-Length: %zu\r\n"
                            "Content-Range: bytes %zu-%zu/%zu\r\nConnection: close\r\n\r\n",
                            len - start, start, len - 1, len);
  else
    {
      start = 0;
      head = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
                              "Connection: close\r\n\r\n", len);
    }
  if (g_output_stream_write_all (out, head, strlen (head), NULL, NULL, NULL))
    for (gsize off = start; off < end; off += chunk)
      {
        gsize n = MIN (chunk, end - off);

        if (!g_output_stream_write_all (out, data + off, n, NULL, NULL, NULL))
          break;
        if (delay_us > 0)
          g_usleep (delay_us);
        hold_if_asked (hub, off + n);
      }
  g_io_stream_close (io, NULL, NULL);
  g_object_unref (io);
}

/* The whole file or, for "bytes=N-", a 206 from N; a 416 past the end. */
static void
serve_bytes (SoupServerMessage *msg, const guchar *data, gsize len, gssize start)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (h, "ETag", "\"etag-1\"");
  soup_message_headers_replace (h, "Accept-Ranges", "bytes");
  if (start >= (gssize) len)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE, NULL);
      return;
    }
  if (start > 0)
    {
      g_autofree char *cr = g_strdup_printf ("bytes %zd-%zu/%zu", start, len - 1, len);
      soup_message_headers_replace (h, "Content-Range", cr);
      soup_server_message_set_status (msg, SOUP_STATUS_PARTIAL_CONTENT, NULL);
      soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_COPY,
                                        (const char *) data + start, len - (gsize) start);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_COPY,
                                    (const char *) data, len);
}

/* /cdn/model.safetensors: where the hub's 302 points, like its LFS CDN. */
static void
serve_cdn (PlFakeHub *hub, SoupServerMessage *msg)
{
  const char *range = request_range (msg);
  gboolean get = strcmp (soup_server_message_get_method (msg), "GET") == 0;
  gsize len;
  const guchar *model = g_bytes_get_data (hub->files[3], &len);
  g_autofree guchar *bad = NULL;
  PlFakeHubBehaviour b;
  gssize start;

  g_mutex_lock (&hub->lock);
  g_ptr_array_add (hub->cdn_ranges, g_strdup (range != NULL ? range : ""));
  hub->cdn_gets += get;
  b = hub->b;
  hub->b.cut_after = 0;   /* only once */
  g_mutex_unlock (&hub->lock);

  start = MAX (b.ignore_range ? 0 : range_start (range), 0);
  if (b.corrupt)
    {
      bad = g_memdup2 (model, len);
      bad[len / 2] ^= 0x01;
      model = bad;
    }
  b.chunk = b.chunk > 0 ? b.chunk : 4096;
  b.delay_us = get ? b.delay_us : 0;
  if (b.cut_after > 0 && (gsize) start < b.cut_after)
    raw_response (hub, msg, model, len, start, b.cut_after, b.chunk, b.delay_us);
  else if (b.delay_us > 0 || b.ignore_range)
    raw_response (hub, msg, model, len, start, len, b.chunk, b.delay_us);
  else
    serve_bytes (msg, model, len, start);
}

/* The hub's answer for model.safetensors: a 302 to the CDN with the LFS headers. */
static void
redirect_to_cdn (PlFakeHub *hub, SoupServerMessage *msg)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
  g_autofree char *etag = g_strdup_printf ("\"%s\"", hub->model_sha256);
  g_autofree char *size = g_strdup_printf ("%zu", g_bytes_get_size (hub->files[3]));
  g_autofree char *location = g_strconcat (hub->base, "/cdn/model.safetensors", NULL);

  soup_message_headers_replace (h, "X-Linked-Etag", etag);
  soup_message_headers_replace (h, "X-Linked-Size", size);
  soup_message_headers_replace (h, "ETag", "\"git-sha1-of-pointer\"");
  soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, location);
}

/* One of the four files of REPO: the small ones served, the model redirected. */
static void
serve_file (PlFakeHub *hub, SoupServerMessage *msg, const char *name)
{
  for (int i = 0; i < 4; i++)
    if (strcmp (name, pl_fake_hub_files[i]) == 0)
      {
        gsize len;
        const guchar *data = g_bytes_get_data (hub->files[i], &len);

        if (i == 3)
          redirect_to_cdn (hub, msg);
        else
          serve_bytes (msg, data, len, range_start (request_range (msg)));
        return;
      }
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "X-Error-Code", "EntryNotFound");
  soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
}

static void
handler (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
         gpointer user_data)
{
  PlFakeHub *hub = user_data;
  gboolean not_found;

  g_mutex_lock (&hub->lock);
  not_found = hub->b.not_found;
  g_mutex_unlock (&hub->lock);
  if (not_found)
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
  else if (strcmp (path, "/cdn/model.safetensors") == 0)
    serve_cdn (hub, msg);
  else if (g_str_has_prefix (path, "/openai-community/gated/"))
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "X-Error-Code", "GatedRepo");
      soup_server_message_set_status (msg, SOUP_STATUS_UNAUTHORIZED, NULL);
    }
  else if (g_str_has_prefix (path, hub->prefix))
    serve_file (hub, msg, path + strlen (hub->prefix));
  else
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
}

static gpointer
server_thread (gpointer data)
{
  PlFakeHub *hub = data;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (hub->ctx);
  hub->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (hub->server, NULL, handler, hub, NULL);
  /* listen_local: the loopback address only; nothing leaves the machine. */
  soup_server_listen_local (hub->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (hub->server);
  g_mutex_lock (&hub->lock);
  hub->base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_cond_signal (&hub->ready);
  g_mutex_unlock (&hub->lock);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_main_loop_run (hub->loop);
  soup_server_disconnect (hub->server);
  g_object_unref (hub->server);
  g_main_context_pop_thread_default (hub->ctx);
  return NULL;
}

PlFakeHub *
pl_fake_hub_new (const char   *repo,
                 GBytes *const files[4])
{
  PlFakeHub *hub = g_new0 (PlFakeHub, 1);

  hub->prefix = g_strdup_printf ("/openai-community/%s/resolve/main/", repo);
  for (int i = 0; i < 4; i++)
    hub->files[i] = g_bytes_ref (files[i]);
  hub->model_sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, files[3]);
  hub->cdn_ranges = g_ptr_array_new_with_free_func (g_free);
  g_mutex_init (&hub->lock);
  g_cond_init (&hub->ready);
  g_cond_init (&hub->released);
  hub->ctx = g_main_context_new ();
  hub->loop = g_main_loop_new (hub->ctx, FALSE);
  g_mutex_lock (&hub->lock);
  hub->thread = g_thread_new ("fake-hub", server_thread, hub);
  while (hub->base == NULL)
    g_cond_wait (&hub->ready, &hub->lock);
  g_mutex_unlock (&hub->lock);
  return hub;
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
pl_fake_hub_free (PlFakeHub *hub)
{
  g_main_context_invoke (hub->ctx, quit_loop, hub->loop);
  g_thread_join (hub->thread);
  g_main_loop_unref (hub->loop);
  g_main_context_unref (hub->ctx);
  g_ptr_array_unref (hub->cdn_ranges);
  for (int i = 0; i < 4; i++)
    g_bytes_unref (hub->files[i]);
  g_free (hub->model_sha256);
  g_free (hub->prefix);
  g_free (hub->base);
  g_mutex_clear (&hub->lock);
  g_cond_clear (&hub->ready);
  g_cond_clear (&hub->released);
  g_free (hub);
}

const char *
pl_fake_hub_get_base (PlFakeHub *hub)
{
  return hub->base;
}

const char *
pl_fake_hub_get_model_sha256 (PlFakeHub *hub)
{
  return hub->model_sha256;
}

void
pl_fake_hub_set (PlFakeHub                *hub,
                 const PlFakeHubBehaviour *behaviour)
{
  g_mutex_lock (&hub->lock);
  hub->b = *behaviour;
  g_mutex_unlock (&hub->lock);
}

void
pl_fake_hub_hold_at (PlFakeHub *hub,
                     gsize      bytes)
{
  g_mutex_lock (&hub->lock);
  hub->hold_at = bytes;
  g_mutex_unlock (&hub->lock);
}

gboolean
pl_fake_hub_is_holding (PlFakeHub *hub)
{
  gboolean holding;

  g_mutex_lock (&hub->lock);
  holding = hub->holding;
  g_mutex_unlock (&hub->lock);
  return holding;
}

void
pl_fake_hub_release (PlFakeHub *hub)
{
  g_mutex_lock (&hub->lock);
  hub->hold_at = 0;
  g_cond_broadcast (&hub->released);
  g_mutex_unlock (&hub->lock);
}

guint
pl_fake_hub_cdn_requests (PlFakeHub *hub)
{
  guint n;

  g_mutex_lock (&hub->lock);
  n = hub->cdn_ranges->len;
  g_mutex_unlock (&hub->lock);
  return n;
}

guint
pl_fake_hub_cdn_gets (PlFakeHub *hub)
{
  guint n;

  g_mutex_lock (&hub->lock);
  n = hub->cdn_gets;
  g_mutex_unlock (&hub->lock);
  return n;
}

char *
pl_fake_hub_cdn_range (PlFakeHub *hub,
                       guint      i)
{
  char *r;

  g_mutex_lock (&hub->lock);
  g_assert_cmpuint (i, <, hub->cdn_ranges->len);
  r = g_strdup (g_ptr_array_index (hub->cdn_ranges, i));
  g_mutex_unlock (&hub->lock);
  return r;
}
