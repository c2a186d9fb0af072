/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * cli-output.h: the files a command writes (sweep's --json, --csv, --png, --svg,
 * --pdf): checked before any work, written after it.
 *
 *   char *paths[OUT_N] = { ... };             // NULL where not asked, "-" for stdout
 *   status = cli_outputs_check_args ("sweep", paths, scale);   // usage errors: 2
 *   if (!cli_outputs_preflight (paths)) ...   // on disk, before the model is loaded
 *   if (!cli_outputs_check_figure (paths, scale, inputs, ...)) ... // before the sweep
 *   ...
 *   n_failed = cli_outputs_write (paths, result, cmap, scale);
 *
 * Rules: "-" is standard output (JSON and CSV only, one of them); two outputs that
 * name one file (the same path, a link to it, or - and /dev/stdout) are refused; so is
 * a name whose extension is another format's (--png fig.pdf); every output's folder
 * must be writable and every figure drawable at the asked scale before the sweep runs.
 * Files are written with pl_write_file_atomic (devices, FIFOs and /dev/fd/N in place).
 */
#pragma once

#include <glib.h>

#include "pl-colormap.h"
#include "pl-inputs.h"
#include "pl-sweep.h"

G_BEGIN_DECLS

typedef enum { OUT_JSON, OUT_CSV, OUT_PNG, OUT_SVG, OUT_PDF, OUT_N } CliOutputKind;

/* "--json", ... */
extern const char *const cli_output_flags[OUT_N];

/* The checks that need no file system: returns CLI_EXIT_OK or, after the message,
 * CLI_EXIT_USAGE. */
int      cli_outputs_check_args   (const char    *command,
                                   char  *const  paths[OUT_N],
                                   double        scale);
/* Folders, writability and two outputs on one file; prints each problem. */
gboolean cli_outputs_preflight    (char  *const  paths[OUT_N]);
/* The PNG's pixel size for these inputs (a figure of the sweep's shape): refused when
 * cairo could not draw it; prints why. */
gboolean cli_outputs_check_figure (char  *const  paths[OUT_N],
                                   double        scale,
                                   const PlInputs *inputs,
                                   const PlSweepOptions *opt,
                                   const PlConfig *cfg,
                                   const char   *model_name);
/* Writes one output of a kind to path ("-": standard output). */
typedef gboolean (*CliWriteOutput) (CliOutputKind  kind,
                                    const char    *path,
                                    gpointer       data,
                                    GError       **error);
/* Calls write for every asked output, even after a failure, and prints each failure
 * after its flag; returns the number that failed. Every command's outputs go
 * through it. */
int      cli_outputs_write_each   (char  *const  paths[OUT_N],
                                   CliWriteOutput write,
                                   gpointer      data);
/* text to path, or to standard output for "-" (a failed write there is reported by
 * cli_finish_stdout). */
gboolean cli_output_text          (const char   *path,
                                   const char   *text,
                                   gsize         length,
                                   GError      **error);
/* The sweep's result: every asked output (each failure printed); returns the number
 * that failed. */
int      cli_outputs_write        (char  *const  paths[OUT_N],
                                   const PlSweepResult *result,
                                   PlColormap    cmap,
                                   double        scale);

G_END_DECLS
