/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * cli-common.c: error reporting, option parsing, model loading and the top-k table
 * shared by the patchlens-cli subcommands, and freeing the font caches at exit.
 */
#include "cli-common.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <pango/pangocairo.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "pl-model-store.h"
#include "pl-result-io.h"

/* Plain stdio, not g_printerr: GLib converts to the locale's charset, which under
 * LANG=C would mangle the UTF-8 of tokens and paths in messages. */
static void
vmessage (const char *format,
          va_list     args)
{
  fputs ("patchlens-cli: ", stderr);
  vfprintf (stderr, format, args);
  fputc ('\n', stderr);
}

void
cli_message (const char *format,
             ...)
{
  va_list args;

  va_start (args, format);
  vmessage (format, args);
  va_end (args);
}

int
cli_fail (const GError *error)
{
  cli_message ("%s", error->message);
  return CLI_EXIT_FAILURE;
}

int
cli_usage (const char *command,
           const char *format,
           ...)
{
  va_list args;

  va_start (args, format);
  vmessage (format, args);
  va_end (args);
  if (command != NULL)
    fprintf (stderr, "Try 'patchlens-cli help %s' for the options.\n", command);
  else
    fputs ("Try 'patchlens-cli --help' for the commands.\n", stderr);
  return CLI_EXIT_USAGE;
}

gboolean
cli_parse_options (GOptionContext *ctx,
                   const char     *command,
                   int            *argc,
                   char         ***argv)
{
  g_autoptr(GError) error = NULL;

  if (g_option_context_parse (ctx, argc, argv, &error))
    return TRUE;
  cli_usage (command, "%s", error->message);
  return FALSE;
}

PlModel *
cli_load_model (const char *name_or_dir,
                GError    **error)
{
  g_autofree char *dir = pl_model_store_resolve (name_or_dir, error);

  if (dir == NULL)
    return NULL;
  return pl_model_load (dir, error);
}

static gboolean
dir_has (const char *dir,
         const char *file)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);

  /* Any kind of file: the loader refuses what is not a regular one, saying so. */
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

PlTokenizer *
cli_load_tokenizer (const char *name_or_dir,
                    GError    **error)
{
  g_autofree char *dir = NULL;

  if (name_or_dir == NULL)
    return pl_tokenizer_new_default (error);
  dir = pl_model_store_resolve (name_or_dir, error);
  if (dir == NULL)
    return NULL;
  /* As pl_model_tokenizer does: the folder's own files, else the shipped ones. */
  if (dir_has (dir, "vocab.json") || dir_has (dir, "encoder.json"))
    return pl_tokenizer_new_from_dir (dir, error);
  return pl_tokenizer_new_default (error);
}

int
cli_text_width (const char *s)
{
  int width = 0;

  for (const char *p = s; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iszerowidth (c))
        continue;
      width += g_unichar_iswide (c) ? 2 : 1;
    }
  return width;
}

void
cli_print_padded (FILE       *out,
                  const char *s,
                  int         width,
                  gboolean    right)
{
  int pad = MAX (0, width - cli_text_width (s));

  if (right)
    fprintf (out, "%*s%s", pad, "", s);
  else
    fprintf (out, "%s%*s", s, pad, "");
}

/* Capped at 99:59:59, so the progress line keeps its width. */
void
cli_format_duration (char *buf, gsize size, double seconds)
{
  int s = (int) MIN (seconds + 0.5, 359999.0);

  if (s >= 3600)
    g_snprintf (buf, size, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  else
    g_snprintf (buf, size, "%d:%02d", s / 60, s % 60);
}

char *
cli_quote_token (const char *piece)
{
  GString *s = g_string_new ("'");

  for (const char *p = piece; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c == '\n')
        g_string_append (s, "\\n");
      else if (c == '\t')
        g_string_append (s, "\\t");
      else if (c == '\r')
        g_string_append (s, "\\r");
      else if (c == '\\')
        g_string_append (s, "\\\\");
      else if (c < 0x20 || c == 0x7f)
        g_string_append_printf (s, "\\x%02x", c);
      else
        g_string_append_c (s, (char) c);
    }
  g_string_append_c (s, '\'');
  return g_string_free (s, FALSE);
}

void
cli_print_topk_table (FILE         *out,
                      const PlTopK *top)
{
  static const char *const heads[] = {
    "Position", "Token index", "Token", "Probability", "Logit",
  };
  g_auto(GStrv) tokens = g_new0 (char *, top->n + 1);
  int token_width = cli_text_width (heads[2]);

  for (int i = 0; i < top->n; i++)
    {
      tokens[i] = cli_quote_token (top->entries[i].token != NULL
                                   ? top->entries[i].token : "");
      token_width = MAX (token_width, cli_text_width (tokens[i]));
    }

  fprintf (out, "%8s | %11s | ", heads[0], heads[1]);
  cli_print_padded (out, heads[2], token_width, FALSE);
  fprintf (out, " | %11s | %10s\n", heads[3], heads[4]);
  for (int i = 0; i < top->n; i++)
    {
      const PlTopEntry *e = &top->entries[i];

      fprintf (out, "%8d | %11d | ", e->rank, (int) e->id);
      cli_print_padded (out, tokens[i], token_width, FALSE);
      fprintf (out, " | %11.4f | %10.4f\n", e->prob, (double) e->logit);
    }
}

void
cli_build_topk_json (JsonBuilder  *b,
                     const PlTopK *top)
{
  json_builder_begin_array (b);
  for (int i = 0; i < top->n; i++)
    {
      const PlTopEntry *e = &top->entries[i];

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "rank");
      json_builder_add_int_value (b, e->rank);
      json_builder_set_member_name (b, "id");
      json_builder_add_int_value (b, e->id);
      json_builder_set_member_name (b, "token");
      json_builder_add_string_value (b, e->token != NULL ? e->token : "");
      json_builder_set_member_name (b, "prob");
      json_builder_add_double_value (b, e->prob);
      json_builder_set_member_name (b, "logit");
      json_builder_add_double_value (b, e->logit);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

void
cli_build_ids_json (JsonBuilder  *b,
                    const gint32 *ids,
                    int           n_ids,
                    char * const *pieces)
{
  json_builder_set_member_name (b, "ids");
  json_builder_begin_array (b);
  for (int i = 0; i < n_ids; i++)
    json_builder_add_int_value (b, ids[i]);
  json_builder_end_array (b);
  if (pieces == NULL)
    return;
  json_builder_set_member_name (b, "pieces");
  json_builder_begin_array (b);
  for (int i = 0; i < n_ids; i++)
    json_builder_add_string_value (b, pieces[i] != NULL ? pieces[i] : "");
  json_builder_end_array (b);
}

void
cli_print_json (FILE     *out,
                JsonNode *node)
{
  gsize length = 0;
  g_autofree char *text = pl_json_node_to_string (node, &length);

  fwrite (text, 1, length, out);
}

/* Set by cli_guard_std_fds when the program started with standard output closed. */
static gboolean stdout_was_closed;

/* A standard stream the program was started without gets /dev/null, so that the
 * first file the program opens cannot become "standard output" and receive the text
 * meant for it. Standard output gets it read-only: every write to it then fails
 * (EBADF) and cli_finish_stdout says that standard output was closed. */
void
cli_guard_std_fds (void)
{
  for (int fd = 0; fd <= 2; fd++)
    {
      int nul;

      if (fcntl (fd, F_GETFD) != -1 || errno != EBADF)
        continue;
      nul = open ("/dev/null", fd == 2 ? O_WRONLY : O_RDONLY);
      if (nul >= 0 && nul != fd)
        {
          dup2 (nul, fd);
          close (nul);
        }
      if (fd == 1)
        stdout_was_closed = TRUE;
    }
}

/* GIO's proxy resolver reads GNOME's proxy settings through GSettings, whose dconf
 * backend prints a CRITICAL per lookup ("unable to create directory ~/.cache/dconf")
 * when it cannot write its folder, as with a read-only $HOME. Then, and only then, the
 * CLI uses the in-memory backend: no noise, and the proxy comes from the environment. */
void
cli_quiet_gsettings (void)
{
  g_autofree char *dir = NULL;

  if (g_getenv ("GSETTINGS_BACKEND") != NULL)
    return;
  dir = g_build_filename (g_get_user_runtime_dir (), "dconf", NULL);
  while (!g_file_test (dir, G_FILE_TEST_EXISTS))
    {
      char *parent = g_path_get_dirname (dir);

      if (strcmp (parent, dir) == 0)
        {
          g_free (parent);
          break;
        }
      g_free (dir);
      dir = parent;
    }
  if (access (dir, W_OK | X_OK) != 0)
    g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
}

gboolean
cli_finish_stdout (void)
{
  int err;

  errno = 0;
  if (fflush (stdout) == 0 && !ferror (stdout))
    return TRUE;
  err = errno;
  if (stdout_was_closed || err == EBADF)
    cli_message ("could not write the output: standard output is closed (run the "
                 "command with its output sent to a file or a pipe)");
  else if (err == EPIPE)
    cli_message ("could not write the output: the program reading it has exited");
  else if (err == ENOSPC)
    cli_message ("could not write the output: the disk is full");
  else
    cli_message ("could not write to standard output: %s",
                 err != 0 ? g_strerror (err) : "write error");
  return FALSE;
}

/* Pango's default font map holds cairo's font faces, which hold fontconfig patterns.
 * Only the font map is ours to drop. cairo's static caches are not freed here:
 * cairo_debug_reset_static_data is a debugging aid that asserts when any cairo object
 * is still alive (an error surface of a refused figure was enough to abort the
 * program at exit), and FcFini would free the patterns cairo still holds. What stays is
 * reachable from the libraries' globals; fontconfig's is listed in tests/lsan.supp. */
void
cli_free_font_caches (void)
{
  pango_cairo_font_map_set_default (NULL);
}

/* ---- work that Ctrl+C cancels ---- */

typedef struct {
  GThreadFunc   work;
  GFunc         on_interrupt;
  gpointer      data;
  GCancellable *cancellable;
  GMainLoop    *loop;
} Interruptible;

static gboolean
quit_loop (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static gpointer
interruptible_thread (gpointer user_data)
{
  Interruptible *r = user_data;

  r->work (r->data);
  g_idle_add (quit_loop, r->loop);
  return NULL;
}

static gboolean
on_sigint (gpointer user_data)
{
  Interruptible *r = user_data;

  if (r->on_interrupt)
    r->on_interrupt (r->data, NULL);
  g_cancellable_cancel (r->cancellable);
  return G_SOURCE_REMOVE;
}

void
cli_run_interruptible (GThreadFunc   work,
                       GFunc         on_interrupt,
                       gpointer      data,
                       GCancellable *cancellable)
{
  Interruptible r = { work, on_interrupt, data, cancellable, g_main_loop_new (NULL, FALSE) };
  struct sigaction old = { 0 };
  /* A shell starts background jobs with SIGINT ignored, so that Ctrl+C at the
   * terminal reaches only the foreground job: keep it ignored. */
  gboolean watch = sigaction (SIGINT, NULL, &old) != 0 || old.sa_handler != SIG_IGN;
  guint sigint_id = watch ? g_unix_signal_add (SIGINT, on_sigint, &r) : 0;
  GThread *thread = g_thread_new ("work", interruptible_thread, &r);

  g_main_loop_run (r.loop);
  g_thread_join (thread);
  /* on_sigint removes itself when it fires; remove the watch only if still there. */
  if (sigint_id != 0 && !g_cancellable_is_cancelled (cancellable))
    g_source_remove (sigint_id);
  g_main_loop_unref (r.loop);
}

void
cli_progress_show (CliProgress *state,
                   const char  *prefix,
                   int          done,
                   int          total,
                   double       elapsed_s)
{
  gint64 now = g_get_monotonic_time ();
  char elapsed[32], left[32] = "?";

  if (done < total && now - state->last_print < 100000)
    return;
  state->last_print = now;
  state->shown = TRUE;
  cli_format_duration (elapsed, sizeof elapsed, elapsed_s);
  if (done > 0)
    cli_format_duration (left, sizeof left, elapsed_s * (total - done) / done);
  fprintf (stderr, "\r\033[K%s%d/%d cells (%.0f%%)  elapsed %s  left %s", prefix, done,
           total, total > 0 ? 100.0 * done / total : 0.0, elapsed, left);
  fflush (stderr);
}
