/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * fuzz-require.h: REQUIRE, the invariant check of every fuzz target. A failed invariant
 * prints the target's name and the condition, then aborts, which libFuzzer (and the
 * replay test) report as a crash with the input that caused it.
 *
 *   #define FUZZ_TARGET "fuzz-config"
 *   #include "fuzz-require.h"
 *   ...
 *   REQUIRE (error != NULL && error->domain == PL_ERROR);
 */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <glib.h>

#ifndef FUZZ_TARGET
#error "define FUZZ_TARGET (the target's name, for messages) before fuzz-require.h"
#endif

#define REQUIRE(cond) \
  G_STMT_START { \
    if (!(cond)) \
      { \
        fprintf (stderr, FUZZ_TARGET ": invariant failed: %s\n", #cond); \
        abort (); \
      } \
  } G_STMT_END
