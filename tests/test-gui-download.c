/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-gui-download.c: the app's first run. With no model anywhere, the window shows
 * the status page (Download, Choose Folder, the places searched); clicking Download
 * fetches a tiny generated model from a fake hub on 127.0.0.1 while the window stays
 * usable, then loads it. Also: Cancel midway, a hub that answers 404, and the model
 * popover's Download with a model already loaded (its progress in a banner).
 *
 * The fake hub (pl-fake-hub.h, shared with test-download.c) is a SoupServer in its own
 * thread and GMainContext: /openai-community/gpt2/resolve/main/FILE serves the four
 * files, and model.safetensors answers with a 302 to /cdn/ carrying X-Linked-Etag (its
 * SHA-256) and X-Linked-Size, like the real hub. HF_ENDPOINT points the app at it.
 * Every search path (PATCHLENS_MODELS, XDG_DATA_HOME, HF_HOME, HOME) is an empty
 * temporary folder.
 * gtk_test_init makes warnings and criticals fatal, so a case that logs one fails.
 * Runs under xvfb-run; with PL_SCREENSHOT_DIR set, it writes PNG screenshots there.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "pl-fake-hub.h"
#include "pl-gui-test-util.h"
#include "pl-test-util.h"

static char      *tmp_dir;       /* per run, removed at the end */
static char      *data_home;     /* $XDG_DATA_HOME */
static GBytes    *contents[4];   /* the served files, as pl_fake_hub_files */
static PlFakeHub *hub;

static gboolean
hub_holding (gpointer data)
{
  return pl_fake_hub_is_holding (data);
}

/* ---- conditions and watchers ---- */

static gboolean not_loading (PlWindow *w) { return !w->model_loading; }
static gboolean downloading (PlWindow *w) { return w->download != NULL; }
static gboolean not_downloading (PlWindow *w) { return w->download == NULL; }
static gboolean model_ready (PlWindow *w)
{
  return w->download == NULL && w->model != NULL && !w->model_loading;
}
static gboolean has_topk (PlWindow *w)
{
  return pl_nexttoken_pane_get_unpatched (w->nexttoken_pane, FALSE) != NULL &&
         pl_nexttoken_pane_get_unpatched (w->nexttoken_pane, TRUE) != NULL;
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

static char *
user_model_file (const char *name)
{
  return g_build_filename (data_home, "patchlens", "models", "gpt2", name, NULL);
}

/* A first start: nothing downloaded and no model remembered from an earlier case. */
static PlWindow *
first_run_window (void)
{
  g_autofree char *ours = g_build_filename (data_home, "patchlens", NULL);
  PlWindow *win;

  pl_test_remove_tree (ours);
  win = pl_window_new (NULL);
  if (win->settings != NULL)
    g_settings_reset (win->settings, "last-model");
  gtk_window_present (GTK_WINDOW (win));
  pl_window_load_startup_model (win);
  pl_gui_test_wait_for (not_loading, win);
  pl_gui_test_wait_for (status_page_shown, win);
  g_assert_null (win->model);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (win->center_stack), ==, "no-model");
  return win;
}

/* A window with a 1-layer model of its own loaded (the hub serves a 2-layer one), and
 * nothing downloaded yet. */
static PlWindow *
loaded_window (void)
{
  g_autofree char *ours = g_build_filename (data_home, "patchlens", NULL);
  g_autofree char *dir = g_build_filename (tmp_dir, "local-1-layer", NULL);
  PlWindow *win;

  pl_test_remove_tree (ours);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    pl_gui_test_gen_model (dir, "1", NULL);
  win = pl_window_new (NULL);
  gtk_window_present (GTK_WINDOW (win));
  pl_window_load_model (win, dir);
  pl_gui_test_wait_for (model_loaded, win);
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
  pl_gui_test_screenshot (win, "first-run.png");
  pl_gui_test_close_window (win);
}

/* Download to the end: the bar moves, typing works meanwhile, the model loads. */
static void
test_download (void)
{
  PlWindow *win = first_run_window ();
  Watch w = { 0 };
  Ticker t = { 0 };
  TickWait more_ticks = { &t, 0 };
  guint cdn_gets = pl_fake_hub_cdn_gets (hub);
  gulong h1, h2;

  /* 64 KiB every 16 ms, about 2 s for the model, held halfway until the test has
   * typed: the download provably runs all along. */
  pl_fake_hub_set (hub, &(PlFakeHubBehaviour) { .chunk = 64 * 1024, .delay_us = 16000 });
  pl_fake_hub_hold_at (hub, g_bytes_get_size (contents[3]) / 2);
  h1 = g_signal_connect (win->download_bar, "notify::fraction", G_CALLBACK (on_fraction), &w);
  h2 = g_signal_connect (win->download_label, "notify::label", G_CALLBACK (on_label), &w);
  ticker_start (&t);

  press (GTK_WIDGET (win->download_button));
  pl_gui_test_wait_for (downloading, win);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (win->download_box)));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (win), "download-model"));
  g_assert_nonnull (find_button (GTK_WIDGET (win->download_box), "win.cancel-download"));
  pl_gui_test_wait_until (hub_holding, hub, "the download to reach the middle of the model");
  pl_gui_test_wait_for (bar_moved, win);

  /* The window is usable meanwhile: typing updates the token chips, and the main loop
   * runs on while the rest of the model is held back. */
  g_assert_nonnull (win->download);
  pl_gui_test_set_michelle (win);
  g_assert_cmpint (pl_token_strip_get_n_tokens (pl_prompts_panel_get_strip (win->prompts_panel, FALSE)), ==, 11);
  pl_gui_test_set_text (pl_gui_test_entry (win, PL_TEXT_CLEAN), "The capital of France is");
  g_assert_cmpint (pl_token_strip_get_n_tokens (pl_prompts_panel_get_strip (win->prompts_panel, FALSE)), ==, 5);
  more_ticks.until = t.ticks + 10;
  pl_gui_test_wait_until (ticked, &more_ticks, "ten main loop ticks during the download");
  g_assert_nonnull (win->download);
  g_assert_null (win->model);
  pl_gui_test_screenshot (win, "downloading.png");
  pl_fake_hub_release (hub);

  pl_gui_test_wait_for (model_ready, win);
  g_signal_handler_disconnect (win->download_bar, h1);
  g_signal_handler_disconnect (win->download_label, h2);
  g_test_message ("bar reached %.3f; last label \"%s\"", w.max_fraction, w.bytes_text);
  ticker_check (&t, "download");
  g_assert_true (w.saw_between);
  g_assert_nonnull (w.bytes_text);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (win->download_box)));
  /* The weights came once, through the hub's redirect. */
  g_assert_cmpuint (pl_fake_hub_cdn_gets (hub), ==, cdn_gets + 1);

  /* The model is loaded from Patchlens' own folder, byte for byte what was served. */
  g_assert_cmpstr (pl_model_button_get_label (win->model_button), ==, "gpt2");
  for (int i = 0; i < 4; i++)
    {
      g_autofree char *path = user_model_file (pl_fake_hub_files[i]);
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
          g_assert_cmpstr (pl_model_button_get_path (win->model_button), ==, dir);
        }
    }
  g_assert_cmpstr (gtk_stack_get_visible_child_name (win->center_stack), !=, "no-model");
  pl_gui_test_set_michelle (win);
  pl_gui_test_wait_for (has_topk, win);
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (win), "run"));
  pl_gui_test_screenshot (win, "downloaded.png");
  g_free (w.bytes_text);
  g_free (w.rate_text);
  pl_gui_test_close_window (win);
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
  pl_fake_hub_set (hub, &(PlFakeHubBehaviour) { .chunk = 16 * 1024, .delay_us = 20000 });
  g_signal_connect (win->download_label, "notify::label", G_CALLBACK (on_label), &w);
  ticker_start (&t);
  press (GTK_WIDGET (win->download_button));
  pl_gui_test_wait_for (in_model_file, win);
  /* Bytes, rate and time left, e.g. "model.safetensors: 2.1 MB of 7.9 MB, 800 kB/s, ..." */
  g_test_message ("mid-download: \"%s\"", gtk_label_get_text (win->download_label));
  g_assert_nonnull (w.rate_text);
  pl_gui_test_screenshot (win, "cancel-before.png");

  cancel = find_button (GTK_WIDGET (win->download_box), "win.cancel-download");
  g_assert_nonnull (cancel);
  job = g_object_ref (G_OBJECT (win->download));
  press (cancel);
  pl_gui_test_wait_for (not_downloading, win);
  g_signal_handlers_disconnect_by_data (win->download_label, &w);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (win->download_box)));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (win->center_stack), ==, "no-model");
  g_assert_nonnull (strstr (gtk_label_get_text (win->searched_label), "cancelled"));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (win), "download-model"));
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (win->download_button)));

  /* The worker ends soon and drops its ref; once the job is gone nothing it delivered
   * late can reach the window, and none did. */
  pl_gui_test_unref_and_wait_for_finalize (job, "the cancelled download's end");
  ticker_check (&t, "cancel");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (win->download_box)));
  g_assert_nonnull (strstr (gtk_label_get_text (win->searched_label), "cancelled"));
  g_assert_null (win->download);
  g_assert_null (win->model);
  g_assert_false (g_file_test (model, G_FILE_TEST_EXISTS));
  /* The part stays for a later resume. */
  g_assert_cmpint (g_stat (part, &st), ==, 0);
  g_assert_cmpint (st.st_size, <, (goffset) g_bytes_get_size (contents[3]));
  pl_gui_test_screenshot (win, "cancelled.png");
  g_free (w.bytes_text);
  g_free (w.rate_text);
  pl_gui_test_close_window (win);
}

/* A hub that has no such model: the status page says which model it could not find. */
static void
test_not_found (void)
{
  PlWindow *win = first_run_window ();
  g_autofree char *config = user_model_file ("config.json");
  const char *text;

  pl_fake_hub_set (hub, &(PlFakeHubBehaviour) { .not_found = TRUE });
  press (GTK_WIDGET (win->download_button));
  pl_gui_test_wait_for (downloading, win);
  pl_gui_test_wait_for (not_downloading, win);
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
  pl_gui_test_screenshot (win, "not-found.png");
  pl_gui_test_close_window (win);
  pl_fake_hub_set (hub, &(PlFakeHubBehaviour) { .not_found = FALSE });
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
  pl_fake_hub_set (hub, &(PlFakeHubBehaviour) { .chunk = 64 * 1024, .delay_us = 16000 });
  pl_fake_hub_hold_at (hub, g_bytes_get_size (contents[3]) / 2);
  h = g_signal_connect (win->download_bar, "notify::fraction", G_CALLBACK (on_fraction), &w);
  /* What the popover's Download button does. */
  g_action_group_activate_action (G_ACTION_GROUP (win), "download-model", NULL);
  pl_gui_test_wait_for (downloading, win);
  g_assert_true (gtk_revealer_get_reveal_child (banner));
  pl_gui_test_wait_until (hub_holding, hub, "the download to reach the middle of the model");
  pl_gui_test_wait_for (bar_moved, win);
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
  pl_gui_test_screenshot (win, "downloading-with-model.png");
  pl_fake_hub_release (hub);

  pl_gui_test_wait_for (model_ready, win);
  g_signal_handler_disconnect (win->download_bar, h);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (win->download_box)));
  g_assert_false (gtk_revealer_get_reveal_child (banner));
  /* The downloaded (2-layer) model replaced the loaded one. */
  g_assert_cmpint (pl_model_config (pl_loaded_model_get (win->model))->n_layer, ==, 2);
  g_assert_cmpstr (pl_model_path (pl_loaded_model_get (win->model)), ==, dir);
  g_assert_cmpstr (pl_model_button_get_path (win->model_button), ==, dir);
  g_assert_true (w.saw_between);
  pl_gui_test_close_window (win);
}

/* ---- setup ---- */

/* The model the hub serves, made by gen-model.py, read into contents[]. */
static void
generate_model (void)
{
  g_autofree char *dir = g_build_filename (tmp_dir, "served", NULL);

  pl_gui_test_gen_model (dir, "2", NULL);
  for (int i = 0; i < 4; i++)
    {
      g_autofree char *path = g_build_filename (dir, pl_fake_hub_files[i], NULL);
      char *data = NULL;
      gsize len = 0;

      g_assert_true (g_file_get_contents (path, &data, &len, NULL));
      contents[i] = g_bytes_new_take (data, len);
    }
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
  hub = pl_fake_hub_new ("gpt2", contents);
  g_setenv ("HF_ENDPOINT", pl_fake_hub_get_base (hub), TRUE);

  pl_gui_test_init (&argc, &argv);

  g_test_add_func ("/Patchlens/FirstRun/status-page", test_first_run);
  g_test_add_func ("/Patchlens/FirstRun/download", test_download);
  g_test_add_func ("/Patchlens/FirstRun/cancel", test_cancel);
  g_test_add_func ("/Patchlens/FirstRun/not-found", test_not_found);
  g_test_add_func ("/Patchlens/Download/with-model-loaded", test_download_with_model);
  ret = g_test_run ();

  pl_fake_hub_free (hub);
  for (int i = 0; i < 4; i++)
    g_bytes_unref (contents[i]);
  g_free (data_home);
  pl_test_remove_tree (tmp_dir);
  g_free (tmp_dir);
  return ret;
}
