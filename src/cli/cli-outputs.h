/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * cli-outputs.h: the --json, --csv, --png, --svg, --pdf and --scale options of the
 * lens, attention and attribute commands, checked before the model work and written
 * after it.
 *
 *   CliOutputs out = CLI_OUTPUTS_INIT;
 *   cli_outputs_add_entries (&out, ctx);
 *   ... parse ...
 *   if (cli_outputs_check (&out, "lens") != CLI_EXIT_OK) ...   // usage errors
 *   if (!cli_outputs_preflight (&out)) ...                      // no writable output
 *   status = cli_outputs_write (&out, json_node, csv_text, export_figure, data);
 *   cli_outputs_clear (&out);
 *
 * "--json -" and "--csv -" write to stdout (not both). Every asked output is attempted
 * even when an earlier one failed; each failure is reported.
 */
#pragma once

#include "cli-common.h"

#include "pl-figure.h"

G_BEGIN_DECLS

typedef enum {
  CLI_OUT_JSON, CLI_OUT_CSV, CLI_OUT_PNG, CLI_OUT_SVG, CLI_OUT_PDF, CLI_N_OUTPUTS
} CliOutputKind;

typedef struct {
  char   *paths[CLI_N_OUTPUTS];   /* NULL when not asked */
  double  scale;                  /* pixels per point of a PNG */
} CliOutputs;

#define CLI_OUTPUTS_INIT { { NULL }, 1.0 }

/* Writes the figure to path in format (the command's own drawing). */
typedef gboolean (*CliFigureExport) (gpointer        data,
                                     PlFigureFormat  format,
                                     const char     *path,
                                     double          scale,
                                     GError        **error);

void     cli_outputs_add_entries (CliOutputs     *o,
                                  GOptionContext *ctx);
gboolean cli_outputs_any         (const CliOutputs *o);
/* CLI_EXIT_OK, or the usage error's status after printing it. */
int      cli_outputs_check       (const CliOutputs *o,
                                  const char       *command);
/* FALSE (after printing why) when outputs were asked and none can be written. */
gboolean cli_outputs_preflight   (const CliOutputs *o);
/* Returns CLI_EXIT_OK or CLI_EXIT_FAILURE. */
int      cli_outputs_write       (const CliOutputs *o,
                                  JsonNode         *json,
                                  const char       *csv,
                                  CliFigureExport   export_figure,
                                  gpointer          data);
void     cli_outputs_clear       (CliOutputs     *o);

G_END_DECLS
