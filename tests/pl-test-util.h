/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-test-util.h: helpers shared by the C tests.
 *
 *   g_autofree char *dir = pl_test_make_model ("tiny", "--layers", "2", NULL);
 *
 * Models come from tests/gen-model.py (deterministic random weights in the Hugging Face
 * GPT-2 layout), made once per test program in a temporary folder that is removed at exit.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Generates a model named name with the generator's extra arguments (NULL-terminated);
 * aborts the test with the generator's output if it fails. */
char *pl_test_make_model (const char *name,
                          ...) G_GNUC_NULL_TERMINATED;

/* A temporary folder removed when the program exits. */
const char *pl_test_tmpdir (void);

/* Writes bytes over path's own bytes, chunk bytes per write (the same inode, as a
 * program rewriting a file in place does), then cuts it to their length. */
void        pl_test_write_in_place (const char *path,
                                    GBytes     *bytes,
                                    gsize       chunk);

/* Removes path and everything below it, ignoring errors (test teardown). */
void        pl_test_remove_tree (const char *path);

G_END_DECLS
