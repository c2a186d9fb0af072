/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * cli-analysis-outputs.c: the output options shared by lens, attention and attribute.
 */
#include "cli-analysis-outputs.h"

#include <string.h>
#include <unistd.h>

#include "pl-json-print.h"
#include "pl-write-file.h"

static const char *const flags[CLI_N_OUTS] = {
  "--json", "--csv", "--png", "--svg", "--pdf",
};

void
cli_out_add_entries (CliOutputs     *o,
                         GOptionContext *ctx)
{
  /* FILENAME: raw bytes, no conversion from the locale's charset. */
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_FILENAME, &o->paths[CLI_OUT_JSON],
      "Write the result as JSON (- for stdout)", "FILE" },
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &o->paths[CLI_OUT_CSV],
      "Write the result as CSV (- for stdout)", "FILE" },
    { "png", 0, 0, G_OPTION_ARG_FILENAME, &o->paths[CLI_OUT_PNG],
      "Write the figure as PNG", "FILE" },
    { "svg", 0, 0, G_OPTION_ARG_FILENAME, &o->paths[CLI_OUT_SVG],
      "Write the figure as SVG", "FILE" },
    { "pdf", 0, 0, G_OPTION_ARG_FILENAME, &o->paths[CLI_OUT_PDF],
      "Write the figure as PDF", "FILE" },
    { "scale", 0, 0, G_OPTION_ARG_DOUBLE, &o->scale,
      "Pixels per point of the PNG (default 1; 2 for a sharp figure)", "S" },
    { NULL }
  };

  g_option_context_add_main_entries (ctx, entries, NULL);   /* copies the array */
}

gboolean
cli_out_any (const CliOutputs *o)
{
  for (int i = 0; i < CLI_N_OUTS; i++)
    if (o->paths[i] != NULL)
      return TRUE;
  return FALSE;
}

int
cli_out_check (const CliOutputs *o,
                   const char       *command)
{
  if (!(o->scale > 0 && o->scale <= 16))
    return cli_usage (command, "--scale must be between 0 and 16 (got %g)", o->scale);
  for (int i = CLI_OUT_PNG; i < CLI_N_OUTS; i++)
    if (o->paths[i] != NULL && strcmp (o->paths[i], "-") == 0)
      return cli_usage (command, "%s needs a file name (only --json and --csv can "
                        "write to stdout)", flags[i]);
  if (o->paths[CLI_OUT_JSON] != NULL && o->paths[CLI_OUT_CSV] != NULL
      && strcmp (o->paths[CLI_OUT_JSON], "-") == 0
      && strcmp (o->paths[CLI_OUT_CSV], "-") == 0)
    return cli_usage (command, "only one of --json and --csv can write to stdout");
  return CLI_EXIT_OK;
}

/* Why path cannot be written, or NULL when its folder looks writable. */
static char *
output_problem (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    return g_strdup_printf ("cannot write “%s”: it is a folder", path);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    return g_strdup_printf ("cannot write “%s”: the folder “%s” does not exist",
                            path, dir);
  if (access (dir, W_OK | X_OK) != 0)
    return g_strdup_printf ("cannot write “%s”: no permission to write in “%s”",
                            path, dir);
  return NULL;
}

gboolean
cli_out_preflight (const CliOutputs *o)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  int n_asked = 0;

  for (int i = 0; i < CLI_N_OUTS; i++)
    {
      char *problem;

      if (o->paths[i] == NULL)
        continue;
      n_asked++;
      if (strcmp (o->paths[i], "-") == 0)
        continue;
      problem = output_problem (o->paths[i]);
      if (problem != NULL)
        g_ptr_array_add (problems, problem);
    }
  if (n_asked == 0 || (int) problems->len < n_asked)
    return TRUE;
  for (guint i = 0; i < problems->len; i++)
    cli_message ("%s", (const char *) problems->pdata[i]);
  cli_message ("no output could be written; the model was not run");
  return FALSE;
}

static gboolean
write_text (const char *path, const char *text, GError **error)
{
  if (strcmp (path, "-") == 0)
    {
      fputs (text, stdout);
      return TRUE;
    }
  return pl_write_file_atomic (path, text, strlen (text), error);
}

static gboolean
write_one (int i, const char *path, JsonNode *json, const char *csv,
           CliFigureExport export_figure, gpointer data, double scale, GError **error)
{
  static const PlFigureFormat formats[] = { PL_FIGURE_PNG, PL_FIGURE_SVG, PL_FIGURE_PDF };

  if (i == CLI_OUT_JSON)
    {
      gsize length;
      g_autofree char *text = pl_json_node_to_string (json, &length);   /* ends in \n */
      return write_text (path, text, error);
    }
  if (i == CLI_OUT_CSV)
    return write_text (path, csv, error);
  return export_figure (data, formats[i - CLI_OUT_PNG], path, scale, error);
}

int
cli_out_write (const CliOutputs *o,
                   JsonNode         *json,
                   const char       *csv,
                   CliFigureExport   export_figure,
                   gpointer          data)
{
  int n_failed = 0;

  for (int i = 0; i < CLI_N_OUTS; i++)
    {
      g_autoptr(GError) error = NULL;

      if (o->paths[i] == NULL)
        continue;
      if (!write_one (i, o->paths[i], json, csv, export_figure, data, o->scale, &error))
        {
          cli_message ("%s: %s", flags[i], error->message);
          n_failed++;
        }
    }
  return n_failed == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

void
cli_out_clear (CliOutputs *o)
{
  for (int i = 0; i < CLI_N_OUTS; i++)
    g_clear_pointer (&o->paths[i], g_free);
}
