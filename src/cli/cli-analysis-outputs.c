/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * cli-analysis-outputs.c: the output options shared by lens, attention and attribute.
 */
#include "cli-analysis-outputs.h"

#include <string.h>

#include "pl-json-print.h"

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

typedef struct {
  JsonNode        *json;
  const char      *csv;
  CliFigureExport  export_figure;
  gpointer         data;
  double           scale;
} AnalysisOutputs;

static gboolean
write_analysis_output (CliOutputKind kind, const char *path, gpointer data, GError **error)
{
  static const PlFigureFormat formats[] = { PL_FIGURE_PNG, PL_FIGURE_SVG, PL_FIGURE_PDF };
  const AnalysisOutputs *o = data;

  if (kind == OUT_JSON)
    {
      gsize length;
      g_autofree char *text = pl_json_node_to_string (o->json, &length);   /* ends in \n */
      return cli_output_text (path, text, length, error);
    }
  if (kind == OUT_CSV)
    return cli_output_text (path, o->csv, strlen (o->csv), error);
  return o->export_figure (o->data, formats[kind - OUT_PNG], path, o->scale, error);
}

int
cli_out_write (const CliOutputs *o,
               JsonNode         *json,
               const char       *csv,
               CliFigureExport   export_figure,
               gpointer          data)
{
  AnalysisOutputs a = { json, csv, export_figure, data, o->scale };

  return cli_outputs_write_each ((char **) o->paths, write_analysis_output, &a) == 0
         ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

void
cli_out_clear (CliOutputs *o)
{
  for (int i = 0; i < OUT_N; i++)
    g_clear_pointer (&o->paths[i], g_free);
}
