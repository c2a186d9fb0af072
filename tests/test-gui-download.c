/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-gui-download.c: the app's first run. With no model anywhere, the window shows
 * the status page (Download, Choose Folder, the places searched); clicking Download
 * fetches a tiny generated model from a fake hub on 127.0.0.1 while the window stays
 * usable, then loads it. Also: Cancel midway, a hub that answers 404, and the model
 * popover's Download with a model already loaded (its progress in a banner).
 *
 * The fake hub is a SoupServer in its own thread and GMainContext, like the one in
 * test-download.c: /openai-community/gpt2/resolve/main/FILE serves the four files, and
 * model.safetensors answers with a 302 to /cdn/ carrying X-Linked-Etag (its SHA-256)
 * and X-Linked-Size, like the real hub. HF_ENDPOINT points the app at it. Every search
 * path (PATCHLENS_MODELS, XDG_DATA_HOME, HF_HOME, HOME) is an empty temporary folder.
 * gtk_test_init makes warnings and criticals fatal, so a case that logs one fails.
 * Runs under xvfb-run; with PL_SCREENSHOT_DIR set, it writes PNG screenshots there.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

#include "pl-window-private.h"

static const char *const file_names[] = {
  "config.json", "vocab.json", "merges.txt", "model.safetensors",
};

static char   *tmp_dir;        /* per run, removed at the end */
static char   *data_home;      /* $XDG_DATA_HOME */
static GBytes *contents[4];    /* the served files, as file_names */
static char   *model_sha256;

/* ---- the fake hub ---- */

typedef struct {
  GThread      *thread;
  GMainContext *ctx;
  GMainLoop    *loop;
  SoupServer   *server;
  char         *base;          /* "http://127.0.0.1:PORT" */
  GMutex        lock;
  GCond         ready;

  /* Behaviour for the next download (under lock). */
  gboolean      not_found;     /* 404 for everything */
  gsize         chunk;         /* the CDN body in chunks of this many bytes... */
  gulong        delay_us;      /* ...this far apart; 0: all at once */
  gsize         hold_at;       /* when > 0, the trickle stops after this many bytes... */
  gboolean      holding;       /* ...(TRUE once it waits there)... */
  GCond         released;      /* ...until server_release */
  guint         cdn_gets;      /* GETs of /cdn/model.safetensors so far */
} Server;

static Server srv;

/* "bytes=N-" to N; 0 when absent or not of that form. */
static gsize
range_start (SoupServerMessage *msg)
{
  const char *range = soup_message_headers_get_one (
                        soup_server_message_get_request_headers (msg), "Range");
  char *end = NULL;
  guint64 v;

  if (range == NULL || !g_str_has_prefix (range, "bytes="))
    return 0;
  v = g_ascii_strtoull (range + 6, &end, 10);
  return (end != range + 6 && *end == '-' && end[1] == '\0') ? (gsize) v : 0;
}

/* In the trickle, once sent bytes are out: waits while the test holds the download
 * there (server_hold_at), so that it provably cannot finish meanwhile. */
static void
hold_if_asked (gsize sent)
{
  g_mutex_lock (&srv.lock);
  if (srv.hold_at > 0 && sent >= srv.hold_at)
    {
      srv.holding = TRUE;
      g_main_context_wakeup (NULL);   /* the test waits for this in the main loop */
      while (srv.hold_at > 0)
        g_cond_wait (&srv.released, &srv.lock);
      srv.holding = FALSE;
    }
  g_mutex_unlock (&srv.lock);
}

/* Writes the response by hand on the stolen connection, chunk by chunk with a pause
 * between them: a slow link. Returns early when the client hangs up (a Cancel). */
static void
trickle (SoupServerMessage *msg, const guchar *data, gsize len, gsize start, gsize chunk,
         gulong delay_us)
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
    for (gsize off = start; off < len; off += chunk)
      {
        if (!g_output_stream_write_all (out, data + off, MIN (chunk, len - off), NULL, NULL,
                                        NULL))
          break;
        g_usleep (delay_us);
        hold_if_asked (off + MIN (chunk, len - off));
      }
  g_io_stream_close (io, NULL, NULL);
  g_object_unref (io);
}

/* The whole file, or a 206 from a "bytes=N-" Range. */
static void
serve_bytes (SoupServerMessage *msg, GBytes *bytes)
{
  gsize len, start = range_start (msg);
  const char *data = g_bytes_get_data (bytes, &len);
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (h, "Accept-Ranges", "bytes");
  if (start > 0 && start < len)
    {
      g_autofree char *cr = g_strdup_printf ("bytes %zu-%zu/%zu", start, len - 1, len);
      soup_message_headers_replace (h, "Content-Range", cr);
      soup_server_message_set_status (msg, SOUP_STATUS_PARTIAL_CONTENT, NULL);
      soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_COPY,
                                        data + start, len - start);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_COPY,
                                    data, len);
}

/* /cdn/model.safetensors, where the hub's 302 points. */
static void
serve_cdn (SoupServerMessage *msg)
{
  gsize len, chunk;
  const guchar *data = g_bytes_get_data (contents[3], &len);
  gulong delay_us;

  gboolean get = strcmp (soup_server_message_get_method (msg), "GET") == 0;

  g_mutex_lock (&srv.lock);
  chunk = srv.chunk;
  delay_us = srv.delay_us;
  srv.cdn_gets += get;
  g_mutex_unlock (&srv.lock);
  if (delay_us > 0 && get)
    trickle (msg, data, len, range_start (msg), chunk, delay_us);
  else
    serve_bytes (msg, contents[3]);
}

/* The hub's answer for model.safetensors: a 302 to the CDN with the LFS headers. */
static void
redirect_to_cdn (SoupServerMessage *msg)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
  g_autofree char *etag = g_strdup_printf ("\"%s\"", model_sha256);
  g_autofree char *size = g_strdup_printf ("%zu", g_bytes_get_size (contents[3]));
  g_autofree char *location = g_strconcat (srv.base, "/cdn/model.safetensors", NULL);

  soup_message_headers_replace (h, "X-Linked-Etag", etag);
  soup_message_headers_replace (h, "X-Linked-Size", size);
  soup_message_headers_replace (h, "ETag", "\"git-sha1-of-pointer\"");
  soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, location);
}

static void
handler (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
         gpointer user_data)
{
  const char *prefix = "/openai-community/gpt2/resolve/main/";
  gboolean not_found;

  g_mutex_lock (&srv.lock);
  not_found = srv.not_found;
  g_mutex_unlock (&srv.lock);
  if (not_found)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  if (strcmp (path, "/cdn/model.safetensors") == 0)
    return serve_cdn (msg);
  for (int i = 0; i < 4 && g_str_has_prefix (path, prefix); i++)
    if (strcmp (path + strlen (prefix), file_names[i]) == 0)
      {
        if (i == 3)
          return redirect_to_cdn (msg);
        return serve_bytes (msg, contents[i]);
      }
  soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
}

static gpointer
server_thread (gpointer data)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (srv.ctx);
  srv.server = soup_server_new (NULL, NULL);
  soup_server_add_handler (srv.server, NULL, handler, NULL, NULL);
  /* listen_local: the loopback address only; nothing leaves the machine. */
  soup_server_listen_local (srv.server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (srv.server);
  g_mutex_lock (&srv.lock);
  srv.base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_cond_signal (&srv.ready);
  g_mutex_unlock (&srv.lock);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_main_loop_run (srv.loop);
  soup_server_disconnect (srv.server);
  g_object_unref (srv.server);
  g_main_context_pop_thread_default (srv.ctx);
  return NULL;
}

static void
server_start (void)
{
  g_mutex_init (&srv.lock);
  g_cond_init (&srv.ready);
  g_cond_init (&srv.released);
  srv.ctx = g_main_context_new ();
  srv.loop = g_main_loop_new (srv.ctx, FALSE);
  g_mutex_lock (&srv.lock);
  srv.thread = g_thread_new ("fake-hub", server_thread, NULL);
  while (srv.base == NULL)
    g_cond_wait (&srv.ready, &srv.lock);
  g_mutex_unlock (&srv.lock);
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
server_stop (void)
{
  g_main_context_invoke (srv.ctx, quit_loop, srv.loop);
  g_thread_join (srv.thread);
  g_main_loop_unref (srv.loop);
  g_main_context_unref (srv.ctx);
  g_free (srv.base);
  g_mutex_clear (&srv.lock);
  g_cond_clear (&srv.ready);
  g_cond_clear (&srv.released);
}

static guint
server_cdn_gets (void)
{
  guint n;

  g_mutex_lock (&srv.lock);
  n = srv.cdn_gets;
  g_mutex_unlock (&srv.lock);
  return n;
}

/* The next trickled download stops after bytes of the model until server_release. */
static void
server_hold_at (gsize bytes)
{
  g_mutex_lock (&srv.lock);
  srv.hold_at = bytes;
  g_mutex_unlock (&srv.lock);
}

static gboolean
server_holding (gpointer data)
{
  gboolean holding;

  g_mutex_lock (&srv.lock);
  holding = srv.holding;
  g_mutex_unlock (&srv.lock);
  return holding;
}

static void
server_release (void)
{
  g_mutex_lock (&srv.lock);
  srv.hold_at = 0;
  g_cond_broadcast (&srv.released);
  g_mutex_unlock (&srv.lock);
}

static void
server_set (gboolean not_found,
            gsize    chunk,
            gulong   delay_us)
{
  g_mutex_lock (&srv.lock);
  srv.not_found = not_found;
  srv.chunk = chunk;
  srv.delay_us = delay_us;
  g_mutex_unlock (&srv.lock);
}

/* ---- main loop helpers ---- */

/* How long any wait may take before the test fails: far beyond what a condition needs
 * even under AddressSanitizer on a loaded machine, so that only a hang fails. Cases
 * wait for conditions, never for a fixed time. */
#define WAIT_SECONDS 60

static gboolean
timed_out (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main context until cond (data) holds; fails, naming what, after
 * WAIT_SECONDS. */
static void
wait_until (gboolean  (*cond) (gpointer),
            gpointer    data,
            const char *what)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add_seconds (WAIT_SECONDS, timed_out, &expired);

  while (!cond (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (expired)
    g_error ("still waiting for %s after %d s", what, WAIT_SECONDS);
  g_source_remove (id);
}

typedef struct {
  gboolean (*cond) (PlWindow *);
  PlWindow  *win;
} WindowCond;

static gboolean
window_cond_holds (gpointer data)
{
  WindowCond *wc = data;

  return wc->cond (wc->win);
}

/* Iterates until cond (win) holds; fails, naming cond, after WAIT_SECONDS. */
#define wait_for(cond_, win_) \
  wait_until (window_cond_holds, &(WindowCond) { .cond = (cond_), .win = (win_) }, #cond_)

static gboolean
is_null (gpointer data)
{
  return *(gpointer *) data == NULL;
}

/* Iterates for ms milliseconds, whatever happens (screenshots only). */
static void
spin (guint ms)
{
  gboolean expired = FALSE;

  g_timeout_add (ms, timed_out, &expired);
  while (!expired)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean not_loading (PlWindow *w) { return !w->model_loading; }
static gboolean downloading (PlWindow *w) { return w->download != NULL; }
static gboolean not_downloading (PlWindow *w) { return w->download == NULL; }
static gboolean model_ready (PlWindow *w)
{
  return w->download == NULL && w->model != NULL && !w->model_loading;
}
static gboolean has_topk (PlWindow *w)
{
  return pl_topk_table_get_topk (w->clean_table) != NULL &&
         pl_topk_table_get_topk (w->corrupted_table) != NULL;
}
static gboolean model_loaded (PlWindow *w)
{
  return w->model != NULL && !w->model_loading;
}
static gboolean bar_moved (PlWindow *w)
{
  return gtk_progress_bar_get_fraction (w->download_bar) > 0;
}
static gboolean status_page_shown (PlWindow *w)
{
  return gtk_widget_get_mapped (GTK_WIDGET (w->no_model_page)) &&
         gtk_widget_get_mapped (GTK_WIDGET (w->download_button));
}

/* The main loop's longest stall: a 10 ms tick notes the largest gap between its runs. */
typedef struct {
  gint64 start;     /* monotonic microseconds */
  gint64 last;
  gint64 max_gap;   /* microseconds */
  gint64 max_gap_end;   /* when it ended */
  guint  ticks;
  guint  id;
} Ticker;

static gboolean
on_tick (gpointer data)
{
  Ticker *t = data;
  gint64 now = g_get_monotonic_time ();

  if (t->last != 0 && now - t->last > t->max_gap)
    {
      t->max_gap = now - t->last;
      t->max_gap_end = now;
    }
  t->last = now;
  t->ticks++;
  return G_SOURCE_CONTINUE;
}

static void
ticker_start (Ticker *t)
{
  t->start = g_get_monotonic_time ();
  t->id = g_timeout_add (10, on_tick, t);
}

typedef struct {
  Ticker *ticker;
  guint   until;
} TickWait;

static gboolean
ticked (gpointer data)
{
  TickWait *w = data;

  return w->ticker->ticks >= w->until;
}

/* Stops the ticker; the main loop never stalled for half of the time it watched. A GUI
 * thread that waited for the download (or for its worker to stop) would stall for
 * about all of it; the slack is for AddressSanitizer on a loaded machine, where the
 * stalls measured (typing, one layout) are tens of ms, not the seconds watched. */
static void
ticker_check (Ticker     *t,
              const char *what)
{
  gint64 watched = g_get_monotonic_time () - t->start;

  g_source_remove (t->id);
  g_test_message ("%s: main loop watched %.0f ms: %u ticks, longest stall %.1f ms "
                  "(ending %.0f ms in)", what, watched / 1e3, t->ticks, t->max_gap / 1e3,
                  (t->max_gap_end - t->start) / 1e3);
  g_assert_cmpuint (t->ticks, >, 0);
  g_assert_cmpint (t->max_gap, <, watched / 2);
}

/* What the progress bar and its label showed. */
typedef struct {
  double   max_fraction;
  gboolean saw_between;   /* 0 < fraction < 1 */
  char    *bytes_text;    /* the last label with "X of Y" */
  char    *rate_text;     /* the last label with a rate and a time left */
} Watch;

static void
on_fraction (GtkProgressBar *bar, GParamSpec *pspec, Watch *w)
{
  double f = gtk_progress_bar_get_fraction (bar);

  w->max_fraction = MAX (w->max_fraction, f);
  if (f > 0 && f < 1)
    w->saw_between = TRUE;
}

static void
on_label (GtkLabel *label, GParamSpec *pspec, Watch *w)
{
  const char *text = gtk_label_get_text (label);

  if (strstr (text, " of ") != NULL && (strstr (text, "kB") || strstr (text, "MB")))
    {
      g_free (w->bytes_text);
      w->bytes_text = g_strdup (text);
    }
  if (strstr (text, "/s") != NULL && strstr (text, "left") != NULL)
    {
      g_free (w->rate_text);
      w->rate_text = g_strdup (text);
    }
}

/* ---- window helpers ---- */

static void
screenshot (PlWindow   *win,
            const char *name)
{
  const char *dir = g_getenv ("PL_SCREENSHOT_DIR");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  int w, h;

  if (dir == NULL)
    return;
  spin (300);
  w = gtk_widget_get_width (GTK_WIDGET (win));
  h = gtk_widget_get_height (GTK_WIDGET (win));
  paintable = gtk_widget_paintable_new (GTK_WIDGET (win));
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (win)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, w, h));
  path = g_build_filename (dir, name, NULL);
  gdk_texture_save_to_png (texture, path);
}

/* The button under root whose action is action (e.g. "win.cancel-download"). */
static GtkWidget *
find_button (GtkWidget  *root,
             const char *action)
{
  if (GTK_IS_BUTTON (root)
      && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (root)), action) == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_button (c, action);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Keyboard activation, as a user pressing Enter on the focused button. */
static void
press (GtkWidget *button)
{
  g_assert_true (gtk_widget_get_mapped (button));
  g_assert_true (gtk_widget_is_sensitive (button));
  gtk_widget_activate (button);
}

static void
set_text (GtkEntry   *entry,
          const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (entry), text);
}

static void
set_michelle (PlWindow *win)
{
  set_text (win->clean_entry, "Michelle Jones was a top-notch student. Michelle");
  set_text (win->corrupted_entry, "Michelle Smith was a top-notch student. Michelle");
  set_text (win->clean_answer_entry, " Jones");
  set_text (win->corrupted_answer_entry, " Smith");
}

static char *
user_model_file (const char *name)
{
  return g_build_filename (data_home, "patchlens", "models", "gpt2", name, NULL);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

/* A first start: nothing downloaded and no model remembered from an earlier case. */
static PlWindow *
first_run_window (void)
{
  g_autofree char *ours = g_build_filename (data_home, "patchlens", NULL);
  PlWindow *win;

  remove_tree (ours);
  win = pl_window_new (NULL);
  if (win->settings != NULL)
    g_settings_reset (win->settings, "last-model");
  gtk_window_present (GTK_WINDOW (win));
  pl_window_load_startup_model (win);
  wait_for (not_loading, win);
  wait_for (status_page_shown, win);
  g_assert_null (win->model);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (win->center_stack), ==, "no-model");
  return win;
}

/* Destroys win and waits until it is finalized: nothing may keep a window alive. */
static void
close_window (PlWindow *win)
{
  gpointer weak = win;

  g_object_add_weak_pointer (G_OBJECT (win), &weak);
  gtk_window_destroy (GTK_WINDOW (win));
  wait_until (is_null, &weak, "the closed window's finalization");
}

/* Drops the caller's ref to object and iterates until it is finalized: for a job, once
 * its worker has ended and every source it queued has run. */
static void
unref_and_wait_for_finalize (GObject    *object,
                             const char *what)
{
  gpointer weak = object;

  g_object_add_weak_pointer (object, &weak);
  g_object_unref (object);
  wait_until (is_null, &weak, what);
}

/* Writes a random GPT-2 (n_layer layers, 2 heads, 32 wide, 64 positions) to dir with
 * gen-model.py. */
static void
gen_model (const char *dir,
           const char *n_layer)
{
  const char *python = g_getenv ("PL_PYTHON3");
  const char *gen = g_getenv ("PL_GEN_MODEL");
  g_autoptr(GError) error = NULL;
  int status = 0;
  const char *argv[] = { python ? python : "/usr/bin/python3", gen, dir, "--layers", n_layer,
                         "--heads", "2", "--embd", "32", "--positions", "64", NULL };

  g_assert_nonnull (gen);
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

/* A window with a 1-layer model of its own loaded (the hub serves a 2-layer one), and
 * nothing downloaded yet. */
static PlWindow *
loaded_window (void)
{
  g_autofree char *ours = g_build_filename (data_home, "patchlens", NULL);
  g_autofree char *dir = g_build_filename (tmp_dir, "local-1-layer", NULL);
  PlWindow *win;

  remove_tree (ours);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    gen_model (dir, "1");
  win = pl_window_new (NULL);
  gtk_window_present (GTK_WINDOW (win));
  pl_window_load_model (win, dir);
  wait_for (model_loaded, win);
  g_assert_cmpint (pl_model_config (pl_loaded_model_get (win->model))->n_layer, ==, 1);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (win->center_stack), !=, "no-model");
  return win;
}

/* ---- cases ---- */

/* The status page on a first run: what it offers, and where it looked. */
static void
test_first_run (void)
{
  PlWindow *win = first_run_window ();
  GtkWidget *page = GTK_WIDGET (win->no_model_page);
  GtkWidget *choose = find_button (page, "win.choose-model");
  const char *searched = gtk_label_get_text (win->searched_label);
  const char *places[] = { "models", "data", "hf" };

  g_assert_true (gtk_widget_get_mapped (page));
  g_assert_nonnull (strstr (adw_status_page_get_title (win->no_model_page), "No Model"));
  g_assert_nonnull (strstr (gtk_button_get_label (win->download_button), "Download"));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (win->download_button)));
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (win->download_button)));
  g_assert_nonnull (choose);
  g_assert_true (gtk_widget_get_mapped (choose));
  g_assert_true (gtk_widget_is_sensitive (choose));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (win->download_box)));
  /* Each of the temporary folders the search paths point at is named. */
  g_assert_nonnull (strstr (searched, "gpt2"));
  for (guint i = 0; i < G_N_ELEMENTS (places); i++)
    {
      g_autofree char *place = g_build_filename (tmp_dir, places[i], NULL);
      g_assert_nonnull (strstr (searched, place));
    }
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (win), "run"));
  screenshot (win, "first-run.png");
  close_window (win);
}

/* Download to the end: the bar moves, typing works meanwhile, the model loads. */
static void
test_download (void)
{
  PlWindow *win = first_run_window ();
  Watch w = { 0 };
  Ticker t = { 0 };
  TickWait more_ticks = { &t, 0 };
  guint cdn_gets = server_cdn_gets ();
  gulong h1, h2;

  /* 64 KiB every 16 ms, about 2 s for the model, held halfway until the test has
   * typed: the download provably runs all along. */
  server_set (FALSE, 64 * 1024, 16000);
  server_hold_at (g_bytes_get_size (contents[3]) / 2);
  h1 = g_signal_connect (win->download_bar, "notify::fraction", G_CALLBACK (on_fraction), &w);
  h2 = g_signal_connect (win->download_label, "notify::label", G_CALLBACK (on_label), &w);
  ticker_start (&t);

  press (GTK_WIDGET (win->download_button));
  wait_for (downloading, win);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (win->download_box)));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (win), "download-model"));
  g_assert_nonnull (find_button (GTK_WIDGET (win->download_box), "win.cancel-download"));
  wait_until (server_holding, NULL, "the download to reach the middle of the model");
  wait_for (bar_moved, win);

  /* The window is usable meanwhile: typing updates the token chips, and the main loop
   * runs on while the rest of the model is held back. */
  g_assert_nonnull (win->download);
  set_michelle (win);
  g_assert_cmpint (pl_token_strip_get_n_tokens (win->clean_strip), ==, 11);
  set_text (win->clean_entry, "The capital of France is");
  g_assert_cmpint (pl_token_strip_get_n_tokens (win->clean_strip), ==, 5);
  more_ticks.until = t.ticks + 10;
  wait_until (ticked, &more_ticks, "ten main loop ticks during the download");
  g_assert_nonnull (win->download);
  g_assert_null (win->model);
  screenshot (win, "downloading.png");
  server_release ();

  wait_for (model_ready, win);
  g_signal_handler_disconnect (win->download_bar, h1);
  g_signal_handler_disconnect (win->download_label, h2);
  g_test_message ("bar reached %.3f; last label \"%s\"", w.max_fraction, w.bytes_text);
  ticker_check (&t, "download");
  g_assert_true (w.saw_between);
  g_assert_nonnull (w.bytes_text);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (win->download_box)));
  /* The weights came once, through the hub's redirect. */
  g_assert_cmpuint (server_cdn_gets (), ==, cdn_gets + 1);

  /* The model is loaded from Patchlens' own folder, byte for byte what was served. */
  g_assert_cmpstr (gtk_label_get_text (win->model_button_label), ==, "gpt2");
  for (int i = 0; i < 4; i++)
    {
      g_autofree char *path = user_model_file (file_names[i]);
      g_autofree char *part = g_strconcat (path, ".part", NULL);
      g_autofree char *got = NULL;
      gsize len = 0;

      g_assert_true (g_file_get_contents (path, &got, &len, NULL));
      g_assert_cmpmem (got, len, g_bytes_get_data (contents[i], NULL),
                       g_bytes_get_size (contents[i]));
      g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
      if (i == 3)
        {
          g_autofree char *dir = g_path_get_dirname (path);
          g_assert_cmpstr (gtk_label_get_text (win->model_path_label), ==, dir);
        }
    }
  g_assert_cmpstr (gtk_stack_get_visible_child_name (win->center_stack), !=, "no-model");
  set_michelle (win);
  wait_for (has_topk, win);
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (win), "run"));
  screenshot (win, "downloaded.png");
  g_free (w.bytes_text);
  g_free (w.rate_text);
  close_window (win);
}

static gboolean
in_model_file (PlWindow *w)
{
  const char *text = gtk_label_get_text (w->download_label);
  double small = 0, total = 0;

  for (int i = 0; i < 4; i++)
    total += g_bytes_get_size (contents[i]);
  small = total - g_bytes_get_size (contents[3]);
  /* A tenth of the model in, and a rate and a time left known. */
  return g_str_has_prefix (text, "model.safetensors") && strstr (text, "left") != NULL
         && gtk_progress_bar_get_fraction (w->download_bar)
              > (small + 0.1 * g_bytes_get_size (contents[3])) / total;
}

/* Cancel on a slow link: no model in place, the status page back, saying so. */
static void
test_cancel (void)
{
  PlWindow *win = first_run_window ();
  g_autofree char *model = user_model_file ("model.safetensors");
  g_autofree char *part = user_model_file ("model.safetensors.part");
  Watch w = { 0 };
  Ticker t = { 0 };
  GtkWidget *cancel;
  GObject *job;
  GStatBuf st;

  /* 16 KiB every 20 ms: about 10 s for the model. */
  server_set (FALSE, 16 * 1024, 20000);
  g_signal_connect (win->download_label, "notify::label", G_CALLBACK (on_label), &w);
  ticker_start (&t);
  press (GTK_WIDGET (win->download_button));
  wait_for (in_model_file, win);
  /* Bytes, rate and time left, e.g. "model.safetensors: 2.1 MB of 7.9 MB, 800 kB/s, ..." */
  g_test_message ("mid-download: \"%s\"", gtk_label_get_text (win->download_label));
  g_assert_nonnull (w.rate_text);
  screenshot (win, "cancel-before.png");

  cancel = find_button (GTK_WIDGET (win->download_box), "win.cancel-download");
  g_assert_nonnull (cancel);
  job = g_object_ref (G_OBJECT (win->download));
  press (cancel);
  wait_for (not_downloading, win);
  g_signal_handlers_disconnect_by_data (win->download_label, &w);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (win->download_box)));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (win->center_stack), ==, "no-model");
  g_assert_nonnull (strstr (gtk_label_get_text (win->searched_label), "cancelled"));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (win), "download-model"));
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (win->download_button)));

  /* The worker ends soon and drops its ref; once the job is gone nothing it delivered
   * late can reach the window, and none did. */
  unref_and_wait_for_finalize (job, "the cancelled download's end");
  ticker_check (&t, "cancel");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (win->download_box)));
  g_assert_nonnull (strstr (gtk_label_get_text (win->searched_label), "cancelled"));
  g_assert_null (win->download);
  g_assert_null (win->model);
  g_assert_false (g_file_test (model, G_FILE_TEST_EXISTS));
  /* The part stays for a later resume. */
  g_assert_cmpint (g_stat (part, &st), ==, 0);
  g_assert_cmpint (st.st_size, <, (goffset) g_bytes_get_size (contents[3]));
  screenshot (win, "cancelled.png");
  g_free (w.bytes_text);
  g_free (w.rate_text);
  close_window (win);
}

/* A hub that has no such model: the status page says which model it could not find. */
static void
test_not_found (void)
{
  PlWindow *win = first_run_window ();
  g_autofree char *config = user_model_file ("config.json");
  const char *text;

  server_set (TRUE, 0, 0);
  press (GTK_WIDGET (win->download_button));
  wait_for (downloading, win);
  wait_for (not_downloading, win);
  text = gtk_label_get_text (win->searched_label);
  g_test_message ("status page: %s", text);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (win->center_stack), ==, "no-model");
  g_assert_nonnull (strstr (text, "no model 'gpt2'"));
  g_assert_nonnull (strstr (text, "404"));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (win->download_box)));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (win), "download-model"));
  g_assert_false (g_file_test (config, G_FILE_TEST_EXISTS));
  /* Shown in place, not in a dialog on top of the very page that explains it. */
  g_assert_cmpuint (g_list_model_get_n_items (gtk_window_get_toplevels ()), ==, 1);
  screenshot (win, "not-found.png");
  close_window (win);
  server_set (FALSE, 0, 0);
}

/* With a model loaded, the popover's Download: the status page is hidden, so the
 * progress and its Cancel show in the banner above the main area, move, and go away
 * once the downloaded model has replaced the loaded one. */
static void
test_download_with_model (void)
{
  PlWindow *win = loaded_window ();
  GtkRevealer *banner = GTK_REVEALER (gtk_widget_get_ancestor (GTK_WIDGET (win->download_banner),
                                                               GTK_TYPE_REVEALER));
  g_autofree char *path = user_model_file ("model.safetensors");
  g_autofree char *dir = g_path_get_dirname (path);
  GtkWidget *cancel;
  Watch w = { 0 };
  gulong h;

  g_assert_nonnull (banner);
  g_assert_false (gtk_revealer_get_reveal_child (banner));
  server_set (FALSE, 64 * 1024, 16000);
  server_hold_at (g_bytes_get_size (contents[3]) / 2);
  h = g_signal_connect (win->download_bar, "notify::fraction", G_CALLBACK (on_fraction), &w);
  /* What the popover's Download button does. */
  g_action_group_activate_action (G_ACTION_GROUP (win), "download-model", NULL);
  wait_for (downloading, win);
  g_assert_true (gtk_revealer_get_reveal_child (banner));
  wait_until (server_holding, NULL, "the download to reach the middle of the model");
  wait_for (bar_moved, win);
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (win->no_model_page)));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (win->download_box)));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (win->download_bar)));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (win->download_label)));
  g_assert_true (gtk_widget_is_ancestor (GTK_WIDGET (win->download_box),
                                         GTK_WIDGET (win->download_banner)));
  cancel = find_button (GTK_WIDGET (win->download_box), "win.cancel-download");
  g_assert_nonnull (cancel);
  g_assert_true (gtk_widget_get_mapped (cancel));
  g_assert_true (gtk_widget_is_sensitive (cancel));
  g_assert_nonnull (strstr (gtk_label_get_text (win->download_label), "model.safetensors"));
  /* The loaded model stays usable meanwhile. */
  g_assert_cmpint (pl_model_config (pl_loaded_model_get (win->model))->n_layer, ==, 1);
  screenshot (win, "downloading-with-model.png");
  server_release ();

  wait_for (model_ready, win);
  g_signal_handler_disconnect (win->download_bar, h);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (win->download_box)));
  g_assert_false (gtk_revealer_get_reveal_child (banner));
  /* The downloaded (2-layer) model replaced the loaded one. */
  g_assert_cmpint (pl_model_config (pl_loaded_model_get (win->model))->n_layer, ==, 2);
  g_assert_cmpstr (pl_model_path (pl_loaded_model_get (win->model)), ==, dir);
  g_assert_cmpstr (gtk_label_get_text (win->model_path_label), ==, dir);
  g_assert_true (w.saw_between);
  close_window (win);
}

/* ---- setup ---- */

/* The model the hub serves, made by gen-model.py, read into contents[]. */
static void
generate_model (void)
{
  g_autofree char *dir = g_build_filename (tmp_dir, "served", NULL);

  gen_model (dir, "2");
  for (int i = 0; i < 4; i++)
    {
      g_autofree char *path = g_build_filename (dir, file_names[i], NULL);
      char *data = NULL;
      gsize len = 0;

      g_assert_true (g_file_get_contents (path, &data, &len, NULL));
      contents[i] = g_bytes_new_take (data, len);
    }
  model_sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, contents[3]);
}

/* Every place a model could be found is an empty folder of tmp_dir. */
static void
isolate (void)
{
  const char *vars[][2] = {
    { "PATCHLENS_MODELS", "models" }, { "XDG_DATA_HOME", "data" },
    { "HF_HOME", "hf" }, { "HOME", "home" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (vars); i++)
    {
      g_autofree char *dir = g_build_filename (tmp_dir, vars[i][1], NULL);
      g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
      g_setenv (vars[i][0], dir, TRUE);
    }
  data_home = g_build_filename (tmp_dir, "data", NULL);
  g_unsetenv ("HF_HUB_CACHE");
  g_unsetenv ("XDG_CACHE_HOME");
  g_unsetenv ("HF_TOKEN");
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  tmp_dir = g_dir_make_tmp ("patchlens-gui-dl-XXXXXX", NULL);
  g_assert_nonnull (tmp_dir);
  /* Before GTK starts its threads: the environment is only safe to change now (the
   * hub's thread is idle in its main loop by the time HF_ENDPOINT is set). */
  isolate ();
  generate_model ();
  server_start ();
  g_setenv ("HF_ENDPOINT", srv.base, TRUE);

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  {
    /* What AdwApplication does for the app: its style sheet from the resources. */
    g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();
    gtk_css_provider_load_from_resource (css, "/org/patchlens/Patchlens/style.css");
    gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                                GTK_STYLE_PROVIDER (css),
                                                GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  }

  g_test_add_func ("/Patchlens/FirstRun/status-page", test_first_run);
  g_test_add_func ("/Patchlens/FirstRun/download", test_download);
  g_test_add_func ("/Patchlens/FirstRun/cancel", test_cancel);
  g_test_add_func ("/Patchlens/FirstRun/not-found", test_not_found);
  g_test_add_func ("/Patchlens/Download/with-model-loaded", test_download_with_model);
  ret = g_test_run ();

  server_stop ();
  for (int i = 0; i < 4; i++)
    g_bytes_unref (contents[i]);
  g_free (model_sha256);
  g_free (data_home);
  remove_tree (tmp_dir);
  g_free (tmp_dir);
  return ret;
}
