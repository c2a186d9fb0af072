/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-error.h: the one error domain of the core library.
 *
 * Every function that can fail takes a GError **; messages are written for the user
 * (they are shown as they are by the CLI and the app), so they name the file, the
 * token, the size: whatever lets the user fix the problem. Cancellation uses
 * G_IO_ERROR / G_IO_ERROR_CANCELLED from a GCancellable.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PL_ERROR (pl_error_quark ())
GQuark pl_error_quark (void);

/* Enums only grow at the end. */
typedef enum {
  PL_ERROR_IO,             /* a file could not be read or written */
  PL_ERROR_FORMAT,         /* a file is not what it claims (safetensors, JSON, vocab, merges) */
  PL_ERROR_CONFIG,         /* config.json is missing keys or has impossible values */
  PL_ERROR_MODEL,          /* the weights do not match the config (names, shapes, dtypes) */
  PL_ERROR_INVALID_TEXT,   /* invalid UTF-8 */
  PL_ERROR_EMPTY,          /* an empty prompt or answer */
  PL_ERROR_TOO_LONG,       /* more tokens than the model's context */
  PL_ERROR_TOKEN_COUNT,    /* clean and corrupted prompts differ in token count */
  PL_ERROR_ANSWER,         /* an answer that is not exactly one token */
  PL_ERROR_NETWORK,        /* no connection, DNS, TLS */
  PL_ERROR_HTTP,           /* an HTTP error status */
  PL_ERROR_CHECKSUM,       /* a downloaded file does not match its announced hash or size */
  PL_ERROR_NOT_FOUND,      /* a model name that resolves nowhere */
  PL_ERROR_INVALID_ARGUMENT,
} PlError;

/* Sets error to code with the message "<file>: <message>", the form of every error about
 * the contents of a file. */
void pl_set_file_error (GError    **error,
                        PlError     code,
                        const char *file,
                        const char *format,
                        ...) G_GNUC_PRINTF (4, 5);

G_END_DECLS
