/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * cli-models.c: `patchlens-cli models` (the models found on this machine) and
 * `patchlens-cli download` (fetch one from the Hugging Face hub, with a progress bar and
 * a clean Ctrl+C).
 */
#include <unistd.h>

#include <gio/gio.h>

#include "cli-common.h"

#include "pl-download.h"
#include "pl-model-store.h"

/* ---- models ---- */

static void
print_searched (void)
{
  const char *const *names = pl_model_store_known_names ();
  const char *name = names != NULL && names[0] != NULL ? names[0] : "gpt2";
  g_auto(GStrv) paths = pl_model_store_search_paths (name);

  printf ("No models found. Searched, for %s (and likewise for the other names):\n",
          name);
  for (int i = 0; paths != NULL && paths[i] != NULL; i++)
    printf ("  %s\n", paths[i]);
  printf ("Get one with: patchlens-cli download %s\n", name);
}

int
cli_models (int    argc,
            char **argv)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new ("");
  g_autoptr(GPtrArray) found = NULL;
  int name_w = 4, size_w = 4;

  g_option_context_set_summary (ctx, "Lists the GPT-2 models found in $PATCHLENS_MODELS, "
                                "Patchlens' download folder and the Hugging Face cache.");
  if (!cli_parse_options (ctx, "models", &argc, &argv))
    return CLI_EXIT_USAGE;
  if (argc > 1)
    return cli_usage ("models", "unexpected argument “%s”", argv[1]);

  found = pl_model_store_list ();
  if (found == NULL || found->len == 0)
    {
      print_searched ();
      return CLI_EXIT_OK;
    }
  /* Idempotent: makes sure the entries go with the array whoever created it. */
  g_ptr_array_set_free_func (found, (GDestroyNotify) pl_model_entry_free);

  g_auto(GStrv) sizes = g_new0 (char *, found->len + 1);
  for (guint i = 0; i < found->len; i++)
    {
      const PlModelEntry *e = found->pdata[i];

      sizes[i] = g_format_size (e->size);
      name_w = MAX (name_w, cli_text_width (e->name));
      size_w = MAX (size_w, cli_text_width (sizes[i]));
    }
  printf ("%-*s  %*s  %-10s  %s\n", name_w, "NAME", size_w, "SIZE", "STATUS", "PATH");
  for (guint i = 0; i < found->len; i++)
    {
      const PlModelEntry *e = found->pdata[i];

      cli_print_padded (stdout, e->name, name_w, FALSE);
      fputs ("  ", stdout);
      cli_print_padded (stdout, sizes[i], size_w, TRUE);
      printf ("  %-10s  %s\n", e->complete ? "complete" : "incomplete", e->path);
    }
  return CLI_EXIT_OK;
}

/* ---- download ---- */

typedef struct {
  char         *name;
  char         *dest;
  GCancellable *cancellable;
  gboolean      tty;
  /* Written by the worker thread; read by main only after it has ended. */
  char         *dir;
  GError       *error;
  int           last_file;
  gint64        last_print;
  gboolean      shown;
} Download;

/* [#####-----] 45%  230.1 MB / 548.1 MB  12.3 MB/s  0:25 left  model.safetensors (4/4)
 * The rate and the time left are left out while unknown. */
static void
print_bar (const PlDownloadProgress *p)
{
  enum { BAR = 24 };
  g_autofree char *done = g_format_size (p->bytes_done);
  g_autofree char *total = g_format_size (p->bytes_total);
  g_autoptr(GString) line = g_string_new ("\r\033[K");
  double frac = p->bytes_total > 0 ? (double) p->bytes_done / p->bytes_total : 0.0;
  char left[32];

  frac = CLAMP (frac, 0.0, 1.0);
  if (p->bytes_total > 0)
    {
      g_string_append_c (line, '[');
      for (int i = 0; i < BAR; i++)
        g_string_append_c (line, i < (int) (frac * BAR) ? '#' : '-');
      g_string_append_printf (line, "] %3.0f%%  %s / %s", 100 * frac, done, total);
    }
  else
    g_string_append (line, done);
  if (p->rate > 0)
    {
      g_autofree char *rate = g_format_size ((guint64) p->rate);

      g_string_append_printf (line, "  %s/s", rate);
    }
  if (p->seconds_left >= 0)
    {
      cli_format_duration (left, sizeof left, p->seconds_left);
      g_string_append_printf (line, "  %s left", left);
    }
  g_string_append_printf (line, "  %s (%d/%d)", p->file, p->file_index + 1, p->n_files);
  fputs (line->str, stderr);
  fflush (stderr);
}

/* Runs on the download thread. A terminal gets a bar redrawn at most 10 times a
 * second; a log gets one line per file. */
static void
on_progress (const PlDownloadProgress *p,
             gpointer                  user_data)
{
  Download *d = user_data;
  gint64 now = g_get_monotonic_time ();

  if (!d->tty)
    {
      if (p->file_index != d->last_file)
        fprintf (stderr, "Fetching %s (%d/%d)\n", p->file, p->file_index + 1,
                 p->n_files);
      d->last_file = p->file_index;
      return;
    }
  if (now - d->last_print < 100000 && p->file_index == d->last_file
      && (p->bytes_total == 0 || p->bytes_done < p->bytes_total))
    return;
  d->last_print = now;
  d->last_file = p->file_index;
  d->shown = TRUE;
  print_bar (p);
}

static gpointer
download_thread (gpointer user_data)
{
  Download *d = user_data;

  d->dir = pl_download_model (d->name, d->dest, on_progress, d, d->cancellable,
                              &d->error);
  return NULL;
}

/* Ctrl+C: the download stops at the next chunk. */
static void
on_interrupt (gpointer user_data, gpointer unused)
{
  Download *d = user_data;

  if (d->shown)
    fputs ("\r\033[K", stderr);
  fputs ("Cancelling…\n", stderr);
}

static int
download_finish (Download *d)
{
  if (d->shown)
    fputs ("\r\033[K", stderr);
  if (d->dir != NULL)
    {
      printf ("Downloaded %s to %s\n", d->name, d->dir);
      return CLI_EXIT_OK;
    }
  if (g_error_matches (d->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      cli_message ("download of %s cancelled; the files already complete were kept "
                   "and the same command resumes it", d->name);
      return CLI_EXIT_FAILURE;
    }
  return cli_fail (d->error);
}

int
cli_download (int    argc,
              char **argv)
{
  Download d = { .last_file = -1 };
  GOptionEntry entries[] = {
    { "dest", 'd', 0, G_OPTION_ARG_FILENAME, &d.dest,
      "Download into this folder (default: Patchlens' model folder)", "DIR" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("NAME");
  int status;

  g_option_context_set_summary (ctx, "Downloads a GPT-2 model (gpt2, gpt2-medium, "
                                "gpt2-large, gpt2-xl, distilgpt2) from the Hugging "
                                "Face hub.\nAn interrupted download resumes where it "
                                "stopped.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!cli_parse_options (ctx, "download", &argc, &argv))
    {
      g_free (d.dest);
      return CLI_EXIT_USAGE;
    }
  if (argc != 2)
    {
      g_free (d.dest);
      return cli_usage ("download", argc < 2 ? "no model NAME given"
                        : "give one model NAME");
    }

  d.name = argv[1];
  d.tty = isatty (STDERR_FILENO);
  d.cancellable = g_cancellable_new ();
  cli_run_interruptible (download_thread, on_interrupt, &d, d.cancellable);

  status = download_finish (&d);
  g_clear_error (&d.error);
  g_free (d.dir);
  g_free (d.dest);
  g_object_unref (d.cancellable);
  return status;
}
