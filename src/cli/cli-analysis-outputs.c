/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * cli-analysis-outputs.c: the output options shared by lens, attention and attribute.
 */
#include "cli-analysis-outputs.h"

#include <string.h>

#include "pl-json-print.h"
#include "pl-write-file.h"

void
cli_out_add_entries (CliOutputs     *o,
                     GOptionContext *ctx)
{
  /* FILENAME: raw bytes, no conversion from the locale's charset. */
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_FILENAME, &o->paths[OUT_JSON],
      "Write the result as JSON (- for stdout)", "FILE" },
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &o->paths[OUT_CSV],
      "Write the result as CSV (- for stdout)", "FILE" },
    { "png", 0, 0, G_OPTION_ARG_FILENAME, &o->paths[OUT_PNG],
      "Write the figure as PNG", "FILE" },
    { "svg", 0, 0, G_OPTION_ARG_FILENAME, &o->paths[OUT_SVG],
      "Write the figure as SVG", "FILE" },
    { "pdf", 0, 0, G_OPTION_ARG_FILENAME, &o->paths[OUT_PDF],
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
  for (int i = 0; i < OUT_N; i++)
    if (o->paths[i] != NULL)
      return TRUE;
  return FALSE;
}

int
cli_out_check (const CliOutputs *o,
               const char       *command)
{
  return cli_outputs_check_args (command, o->paths, o->scale);
}

gboolean
cli_out_preflight (const CliOutputs *o)
{
  return cli_outputs_preflight (o->paths);
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

  if (i == OUT_JSON)
    {
      gsize length;
      g_autofree char *text = pl_json_node_to_string (json, &length);   /* ends in \n */
      return write_text (path, text, error);
    }
  if (i == OUT_CSV)
    return write_text (path, csv, error);
  return export_figure (data, formats[i - OUT_PNG], path, scale, error);
}

int
cli_out_write (const CliOutputs *o,
               JsonNode         *json,
               const char       *csv,
               CliFigureExport   export_figure,
               gpointer          data)
{
  int n_failed = 0;

  for (int i = 0; i < OUT_N; i++)
    {
      g_autoptr(GError) error = NULL;

      if (o->paths[i] == NULL)
        continue;
      if (!write_one (i, o->paths[i], json, csv, export_figure, data, o->scale, &error))
        {
          cli_message ("%s: %s", cli_output_flags[i], error->message);
          n_failed++;
        }
    }
  return n_failed == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

void
cli_out_clear (CliOutputs *o)
{
  for (int i = 0; i < OUT_N; i++)
    g_clear_pointer (&o->paths[i], g_free);
}
