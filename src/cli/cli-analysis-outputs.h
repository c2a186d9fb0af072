/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * cli-analysis-outputs.h: the --json, --csv, --png, --svg, --pdf and --scale options
 * of the lens, attention and attribute commands, checked before the model work and
 * written after it. (The sweep has its own, with the sweep's figure checks.)
 *
 *   CliOutputs out = CLI_OUTPUTS_INIT;
 *   cli_out_add_entries (&out, ctx);
 *   ... parse ...
 *   if (cli_out_check (&out, "lens") != CLI_EXIT_OK) ...   // usage errors
 *   if (!cli_out_preflight (&out)) ...                      // an unwritable output
 *   status = cli_out_write (&out, json_node, csv_text, export_figure, data);
 *   cli_out_clear (&out);
 *
 * The checks are the sweep's (cli-output.h), so every command refuses the same
 * things before any work: "-" is stdout (--json or --csv, not both), a name whose
 * extension is another format's, two outputs naming one file, an unwritable folder,
 * a --scale outside 0.1..16. Every asked output is attempted even when an earlier one
 * failed; each failure is reported.
 */
#pragma once

#include "cli-common.h"
#include "cli-output.h"

#include "pl-figure.h"

G_BEGIN_DECLS

typedef struct {
  char   *paths[OUT_N];        /* NULL when not asked, indexed by CliOutputKind */
  double  scale;                  /* pixels per point of a PNG */
} CliOutputs;

#define CLI_OUTPUTS_INIT { { NULL }, 1.0 }

/* Writes the figure to path in format (the command's own drawing). */
typedef gboolean (*CliFigureExport) (gpointer        data,
                                     PlFigureFormat  format,
                                     const char     *path,
                                     double          scale,
                                     GError        **error);

void     cli_out_add_entries (CliOutputs     *o,
                                  GOptionContext *ctx);
gboolean cli_out_any         (const CliOutputs *o);
/* CLI_EXIT_OK, or the usage error's status after printing it. */
int      cli_out_check       (const CliOutputs *o,
                                  const char       *command);
/* FALSE (after printing why) when an asked output cannot be written. */
gboolean cli_out_preflight   (const CliOutputs *o);
/* Returns CLI_EXIT_OK or CLI_EXIT_FAILURE. */
int      cli_out_write       (const CliOutputs *o,
                                  JsonNode         *json,
                                  const char       *csv,
                                  CliFigureExport   export_figure,
                                  gpointer          data);
void     cli_out_clear       (CliOutputs     *o);

G_END_DECLS
