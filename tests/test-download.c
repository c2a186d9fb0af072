/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-download.c: pl_download_model_from against a fake hub (pl-fake-hub.h: a
 * SoupServer on 127.0.0.1 in its own thread, since the download blocks the test thread),
 * a fresh one per case. It serves a tiny model under /openai-community/tiny/resolve/
 * main/FILE, answers model.safetensors with a 302 to /cdn/ carrying X-Linked-Etag and
 * X-Linked-Size like the real hub, honours Range, and can misbehave on demand: cut the
 * connection once, ignore Range, corrupt a byte, or trickle slowly.
 */
#include "pl-download.h"
#include "pl-error.h"
#include "pl-fake-hub.h"
#include "pl-test-util.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

/* The four files' bytes, as pl_fake_hub_files, shared by server and assertions. */
static GBytes *contents[4];
#define MODEL_SIZE ((gint64) g_bytes_get_size (contents[3]))

typedef struct {
  PlFakeHub  *hub;
  const char *base;   /* the hub's "http://127.0.0.1:PORT" */
  char       *dest;
} Fixture;

/* ---- what the hub serves, and a fresh hub per case ---- */

/* A real tiny model from gen-model.py: a download counts only once its files parse and
 * the folder loads, so the hub must serve a model that does. */
static void
make_contents (void)
{
  g_autofree char *dir = pl_test_make_model ("hub-tiny", "--positions", "32", NULL);

  for (int i = 0; i < 4; i++)
    {
      g_autofree char *path = g_build_filename (dir, pl_fake_hub_files[i], NULL);
      g_autoptr(GError) error = NULL;
      char *data = NULL;
      gsize len = 0;

      g_file_get_contents (path, &data, &len, &error);
      g_assert_no_error (error);
      contents[i] = g_bytes_new_take (data, len);
    }
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("pl-download-XXXXXX", &error);

  g_assert_no_error (error);
  f->dest = g_build_filename (tmp, "models", "tiny", NULL);
  f->hub = pl_fake_hub_new ("tiny", contents);
  f->base = pl_fake_hub_get_base (f->hub);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_autofree char *models = g_path_get_dirname (f->dest);
  g_autofree char *tmp = g_path_get_dirname (models);

  pl_fake_hub_free (f->hub);
  pl_test_remove_tree (tmp);
  g_free (f->dest);
}

/* ---- helpers ---- */

/* What the progress callback saw. */
typedef struct {
  int           calls;
  gboolean      monotonic;
  guint64       last_done;
  guint64       last_total;
  double        max_rate;
  gboolean      saw_seconds_left;
  guint64       cancel_after;   /* cancel once bytes_done passes this; 0 = never */
  GCancellable *cancellable;
} Watch;

static void
on_progress (const PlDownloadProgress *p, gpointer data)
{
  Watch *w = data;

  w->calls++;
  if (p->bytes_done < w->last_done)
    w->monotonic = FALSE;
  w->last_done = p->bytes_done;
  w->last_total = p->bytes_total;
  w->max_rate = MAX (w->max_rate, p->rate);
  if (p->seconds_left >= 0)
    w->saw_seconds_left = TRUE;
  g_assert_cmpint (p->n_files, ==, 4);
  g_assert_cmpstr (p->file, ==, pl_fake_hub_files[p->file_index]);
  if (w->cancel_after > 0 && p->bytes_done > w->cancel_after)
    g_cancellable_cancel (w->cancellable);
}

static char *
dest_file (Fixture *f, const char *name)
{
  return g_build_filename (f->dest, name, NULL);
}

static guint64
total_size (void)
{
  guint64 total = 0;
  for (int i = 0; i < 4; i++)
    total += g_bytes_get_size (contents[i]);
  return total;
}

/* Every file in place, byte for byte, and no .part left over. */
static void
assert_model_complete (Fixture *f)
{
  for (int i = 0; i < 4; i++)
    {
      g_autofree char *file = dest_file (f, pl_fake_hub_files[i]);
      g_autofree char *part = g_strconcat (file, ".part", NULL);
      g_autofree char *got = NULL;
      gsize len = 0;
      g_autoptr(GError) error = NULL;

      g_file_get_contents (file, &got, &len, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (got, len, g_bytes_get_data (contents[i], NULL),
                       g_bytes_get_size (contents[i]));
      g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
    }
}

static void
write_part (Fixture *f, const guchar *data, gsize len)
{
  g_autofree char *part = dest_file (f, "model.safetensors.part");
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (f->dest, 0755), ==, 0);
  g_file_set_contents (part, (const char *) data, len, &error);
  g_assert_no_error (error);
}

/* ---- cases ---- */

static void
test_endpoint (void)
{
  g_autofree char *def = NULL, *set = NULL;

  g_unsetenv ("HF_ENDPOINT");
  def = pl_download_endpoint ();
  g_assert_cmpstr (def, ==, "https://huggingface.co");
  g_setenv ("HF_ENDPOINT", "http://mirror.example//", TRUE);
  set = pl_download_endpoint ();
  g_assert_cmpstr (set, ==, "http://mirror.example");
  g_unsetenv ("HF_ENDPOINT");
}

static void
test_clean (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  Watch w = { .monotonic = TRUE };
  g_autofree char *dir = pl_download_model_from (f->base, "tiny", f->dest, on_progress,
                                                 &w, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (dir, ==, f->dest);
  assert_model_complete (f);
  g_assert_cmpuint (pl_fake_hub_cdn_requests (f->hub), ==, 1);
  g_assert_true (w.monotonic);
  g_assert_cmpint (w.calls, >=, 1);
  g_assert_cmpuint (w.last_done, ==, total_size ());
  g_assert_cmpuint (w.last_total, ==, total_size ());

  /* A second run finds everything in place and fetches nothing. */
  g_clear_pointer (&dir, g_free);
  dir = pl_download_model_from (f->base, "tiny", f->dest, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pl_fake_hub_cdn_requests (f->hub), ==, 1);
}

/* The server closes the connection after 100000 bytes, once: the download resumes
 * with a Range request from where the .part ends. */
static void
test_cut_and_resume (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL, *first = NULL, *second = NULL;

  pl_fake_hub_set (f->hub, &(PlFakeHubBehaviour) { .cut_after = 100000 });
  dir = pl_download_model_from (f->base, "tiny", f->dest, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_model_complete (f);
  g_assert_cmpuint (pl_fake_hub_cdn_requests (f->hub), ==, 2);
  first = pl_fake_hub_cdn_range (f->hub, 0);
  second = pl_fake_hub_cdn_range (f->hub, 1);
  g_assert_cmpstr (first, ==, "");
  g_assert_cmpstr (second, ==, "bytes=100000-");
}

/* A .part left by an earlier, interrupted run is resumed, not fetched again. */
static void
test_resume_part (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL, *range = NULL;

  write_part (f, g_bytes_get_data (contents[3], NULL), 50000);
  dir = pl_download_model_from (f->base, "tiny", f->dest, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_model_complete (f);
  g_assert_cmpuint (pl_fake_hub_cdn_requests (f->hub), ==, 1);
  range = pl_fake_hub_cdn_range (f->hub, 0);
  g_assert_cmpstr (range, ==, "bytes=50000-");
}

/* A server that ignores Range answers 200 with the whole file: start from zero, so the
 * (here wrong) bytes of the .part do not end up in the model. */
static void
test_range_ignored (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL, *range = NULL;
  g_autofree guchar *junk = g_malloc0 (50000);

  pl_fake_hub_set (f->hub, &(PlFakeHubBehaviour) { .ignore_range = TRUE });
  write_part (f, junk, 50000);
  dir = pl_download_model_from (f->base, "tiny", f->dest, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_model_complete (f);
  range = pl_fake_hub_cdn_range (f->hub, 0);
  g_assert_cmpstr (range, ==, "bytes=50000-");
}

/* A stale .part resumed with Range fails the checksum: it is dropped and the file
 * fetched again from zero. */
static void
test_stale_part (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL, *first = NULL, *second = NULL;
  g_autofree guchar *junk = g_malloc0 (50000);

  write_part (f, junk, 50000);
  dir = pl_download_model_from (f->base, "tiny", f->dest, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_model_complete (f);
  g_assert_cmpuint (pl_fake_hub_cdn_requests (f->hub), ==, 2);
  first = pl_fake_hub_cdn_range (f->hub, 0);
  second = pl_fake_hub_cdn_range (f->hub, 1);
  g_assert_cmpstr (first, ==, "bytes=50000-");
  g_assert_cmpstr (second, ==, "");
}

static void
test_corrupt (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *model = dest_file (f, "model.safetensors");
  g_autofree char *part = dest_file (f, "model.safetensors.part");
  g_autofree char *config = dest_file (f, "config.json");
  char *dir;

  pl_fake_hub_set (f->hub, &(PlFakeHubBehaviour) { .corrupt = TRUE });
  dir = pl_download_model_from (f->base, "tiny", f->dest, NULL, NULL, NULL, &error);
  g_assert_null (dir);
  g_assert_error (error, PL_ERROR, PL_ERROR_CHECKSUM);
  g_assert_nonnull (strstr (error->message, "model.safetensors"));
  g_assert_nonnull (strstr (error->message, pl_fake_hub_get_model_sha256 (f->hub)));
  g_assert_false (g_file_test (model, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  /* The small files that were good stay. */
  g_assert_true (g_file_test (config, G_FILE_TEST_IS_REGULAR));
}

static void
test_not_found (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *want = g_strdup_printf ("The hub has no model 'gpt9' (HTTP 404 for "
                                           "%s/openai-community/gpt9/resolve/main/"
                                           "config.json)", f->base);
  char *dir = pl_download_model_from (f->base, "gpt9", f->dest, NULL, NULL, NULL,
                                      &error);

  g_assert_null (dir);
  g_assert_error (error, PL_ERROR, PL_ERROR_HTTP);
  g_assert_cmpstr (error->message, ==, want);
  g_assert_false (g_file_test (f->dest, G_FILE_TEST_EXISTS));
}

static void
test_unauthorized (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  char *dir = pl_download_model_from (f->base, "gated", f->dest, NULL, NULL, NULL,
                                      &error);

  g_assert_null (dir);
  g_assert_error (error, PL_ERROR, PL_ERROR_HTTP);
  g_assert_nonnull (strstr (error->message, "HTTP 401"));
  g_assert_nonnull (strstr (error->message, "HF_TOKEN"));
}

/* Cancelled from the progress callback midway through model.safetensors (served
 * slowly so the callback gets to run): no model in place, the .part kept for later. */
static void
test_cancel (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *model = dest_file (f, "model.safetensors");
  g_autofree char *part = dest_file (f, "model.safetensors.part");
  guint64 small = total_size () - MODEL_SIZE;
  Watch w = { .monotonic = TRUE, .cancel_after = small + 20000, .cancellable = cancellable };
  gint64 t0 = g_get_monotonic_time ();
  double seconds;
  GStatBuf st;
  char *dir;

  /* 4 KiB every 5 ms. */
  pl_fake_hub_set (f->hub, &(PlFakeHubBehaviour) { .chunk = 4096, .delay_us = 5000 });
  dir = pl_download_model_from (f->base, "tiny", f->dest, on_progress, &w, cancellable,
                                &error);
  seconds = (double) (g_get_monotonic_time () - t0) / G_USEC_PER_SEC;
  g_test_message ("%d progress calls in %.3f s, top rate %.0f bytes/s", w.calls, seconds,
                  w.max_rate);
  g_assert_null (dir);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (g_file_test (model, G_FILE_TEST_EXISTS));
  g_assert_cmpint (g_stat (part, &st), ==, 0);
  g_assert_cmpint (st.st_size, >, 20000);
  g_assert_cmpint (st.st_size, <, MODEL_SIZE);
  /* Rate and time left were known by then, and calls stayed near 10 a second (plus
   * one as each file starts). */
  g_assert_cmpfloat (w.max_rate, >, 0);
  g_assert_true (w.saw_seconds_left);
  g_assert_cmpint (w.calls, <=, (int) (seconds * 10) + 6);
}

static void
test_no_network (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                          G_SOCKET_PROTOCOL_TCP, &error);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *endpoint = NULL, *want = NULL;
  char *dir;

  /* A port that was free a moment ago and that nobody listens on. */
  g_assert_no_error (error);
  g_socket_bind (sock, addr, TRUE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (sock, &error);
  g_assert_no_error (error);
  endpoint = g_strdup_printf ("http://127.0.0.1:%u", g_inet_socket_address_get_port (
                                G_INET_SOCKET_ADDRESS (bound)));
  want = g_strdup_printf ("Could not reach 127.0.0.1:%u: ", g_inet_socket_address_get_port (
                            G_INET_SOCKET_ADDRESS (bound)));
  g_socket_close (sock, NULL);

  dir = pl_download_model_from (endpoint, "tiny", f->dest, NULL, NULL, NULL, &error);
  g_assert_null (dir);
  g_assert_error (error, PL_ERROR, PL_ERROR_NETWORK);
  g_assert_true (g_str_has_prefix (error->message, want));
  g_assert_false (g_file_test (f->dest, G_FILE_TEST_EXISTS));
}

/* A full disk, played by /dev/full behind the .part: ENOSPC, with the path. */
static void
test_disk_full (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *part = dest_file (f, "config.json.part");
  char *dir;

  if (!g_file_test ("/dev/full", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("no /dev/full on this system");
      return;
    }
  g_assert_cmpint (g_mkdir_with_parents (f->dest, 0755), ==, 0);
  g_assert_cmpint (symlink ("/dev/full", part), ==, 0);
  dir = pl_download_model_from (f->base, "tiny", f->dest, NULL, NULL, NULL, &error);
  g_assert_null (dir);
  g_assert_error (error, PL_ERROR, PL_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "disk is full"));
  g_assert_nonnull (strstr (error->message, part));
}

static void
test_bad_name (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  char *dir = pl_download_model_from (f->base, "../etc", f->dest, NULL, NULL, NULL,
                                      &error);

  g_assert_null (dir);
  g_assert_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "'../etc'"));
  g_assert_cmpuint (pl_fake_hub_cdn_requests (f->hub), ==, 0);
}

int
main (int argc, char **argv)
{
  /* Nothing may leave the machine: no proxy, whatever the environment says. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_unsetenv ("HF_TOKEN");
  g_test_init (&argc, &argv, NULL);
  make_contents ();

  g_test_add_func ("/Patchlens/Download/endpoint", test_endpoint);
#define ADD(p, fn) g_test_add ("/Patchlens/Download/" p, Fixture, NULL, setup, fn, teardown)
  ADD ("clean", test_clean);
  ADD ("cut-and-resume", test_cut_and_resume);
  ADD ("resume-part", test_resume_part);
  ADD ("range-ignored", test_range_ignored);
  ADD ("stale-part", test_stale_part);
  ADD ("corrupt", test_corrupt);
  ADD ("not-found", test_not_found);
  ADD ("unauthorized", test_unauthorized);
  ADD ("cancel", test_cancel);
  ADD ("no-network", test_no_network);
  ADD ("disk-full", test_disk_full);
  ADD ("bad-name", test_bad_name);
#undef ADD
  int rc = g_test_run ();
  for (int i = 0; i < 4; i++)
    g_bytes_unref (contents[i]);
  return rc;
}
