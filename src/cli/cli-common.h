/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * cli-common.h: what every patchlens-cli subcommand shares: the exit codes, error
 * reporting ("patchlens-cli: <message>" on stderr), option parsing, loading a model or a
 * tokenizer from --model, and the top-k table.
 *
 * A subcommand is a function int run (int argc, char **argv) where argv[0] is
 * "patchlens-cli NAME"; it returns the process's exit status.
 */
#pragma once

#include <stdio.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "pl-error.h"
#include "pl-model.h"
#include "pl-tokenizer.h"
#include "pl-topk.h"

G_BEGIN_DECLS

/* Exit statuses: 2 for a command line that cannot be obeyed as written (unknown option,
 * missing or malformed argument), 1 for everything else that fails. */
enum {
  CLI_EXIT_OK = 0,
  CLI_EXIT_FAILURE = 1,
  CLI_EXIT_USAGE = 2,
};

typedef int (*CliRunFunc) (int argc, char **argv);

typedef struct {
  const char *name;
  const char *summary;   /* one line for `patchlens-cli --help` */
  CliRunFunc  run;
} CliCommand;

int  cli_lens      (int argc, char **argv);
int  cli_attention (int argc, char **argv);
int  cli_attribute (int argc, char **argv);
int  cli_tokenize (int argc, char **argv);
int  cli_topk     (int argc, char **argv);
int  cli_sweep    (int argc, char **argv);
int  cli_models   (int argc, char **argv);
int  cli_download (int argc, char **argv);
int  cli_pairs    (int argc, char **argv);

/* Prints "patchlens-cli: <message>" on stderr. */
void cli_message  (const char *format, ...) G_GNUC_PRINTF (1, 2);
/* Prints the error and returns CLI_EXIT_FAILURE. */
int  cli_fail     (const GError *error);
/* Prints the message and a hint to `patchlens-cli help COMMAND`; returns CLI_EXIT_USAGE. */
int  cli_usage    (const char *command,
                   const char *format, ...) G_GNUC_PRINTF (2, 3);

/* Parses argv with ctx; on a bad option prints the error and returns FALSE (the caller
 * exits with CLI_EXIT_USAGE). --help prints the help and exits 0 (GLib does it). */
gboolean cli_parse_options (GOptionContext *ctx,
                            const char     *command,
                            int            *argc,
                            char         ***argv);

/* --model DIR|NAME to a loaded model. */
PlModel     *cli_load_model     (const char *name_or_dir,
                                 GError    **error);
/* The tokenizer tokenize uses: the model folder's own files when it has them, else (and
 * when name_or_dir is NULL) the shipped GPT-2 tokenizer. Does not read the weights. */
PlTokenizer *cli_load_tokenizer (const char *name_or_dir,
                                 GError    **error);

/* Number of terminal columns a UTF-8 string takes (one per character, which is right
 * for the Latin, Greek and Cyrillic text GPT-2 mostly shows; wide CJK counts double). */
int   cli_text_width  (const char *s);
/* s padded with spaces to width columns; right-aligned when right is TRUE. */
void  cli_print_padded (FILE       *out,
                        const char *s,
                        int         width,
                        gboolean    right);
/* seconds as "m:ss", or "h:mm:ss" from an hour on, into buf of size bytes. */
void  cli_format_duration (char *buf, gsize size, double seconds);
/* A token as it reads in a table: 'piece' quoted, with newlines, tabs and other control
 * characters written as escapes, so one token is always one line. */
char *cli_quote_token (const char *piece);

/* The assignment's table: Position | Token index | Token | Probability | Logit. */
void  cli_print_topk_table (FILE *out, const PlTopK *top);
/* {"rank":1,"id":373,"token":" was","prob":0.1634,"logit":-...} objects in an array. */
void  cli_build_topk_json  (JsonBuilder *b, const PlTopK *top);
/* Adds "ids": [...] (and "pieces": [...] when pieces is not NULL) to the open object. */
void  cli_build_ids_json   (JsonBuilder  *b,
                            const gint32 *ids,
                            int           n_ids,
                            char * const *pieces);
/* Writes node and a newline to out as the sweep's JSON files are written (numbers as
 * the shortest decimal that reads back as the same float). */
void  cli_print_json       (FILE *out, JsonNode *node);

/* At the start of main: gives a closed standard stream /dev/null (see cli-common.c). */
void     cli_guard_std_fds (void);
/* At the start of main: GSettings in memory when dconf could not write its folder. */
void     cli_quiet_gsettings (void);
/* TRUE when stdout could be written and flushed; prints the error otherwise. */
gboolean cli_finish_stdout (void);

/* Drops pango's default font map (what the CLI's figures created). Once, at exit. */
void     cli_free_font_caches (void);

/* Runs work (data) on a worker thread while the main thread waits in a main loop for
 * Ctrl+C: the first one calls on_interrupt (data) (to clear a progress line, say) and
 * cancels cancellable, so the work ends at its next check; the watch is then removed,
 * so a second Ctrl+C ends the program at once. Returns when work has returned. */
void     cli_run_interruptible (GThreadFunc   work,
                                GFunc         on_interrupt,
                                gpointer      data,
                                GCancellable *cancellable);

/* A sweep's progress on standard error, rewritten in place at most 10 times a second:
 * "PREFIX done/total cells (P%)  elapsed E  left L". shown says whether a line was drawn
 * (so the caller ends it with a newline). */
typedef struct {
  gint64   last_print;   /* monotonic microseconds */
  gboolean shown;
} CliProgress;

void cli_progress_show (CliProgress *state,
                        const char  *prefix,
                        int          done,
                        int          total,
                        double       elapsed);

G_END_DECLS
