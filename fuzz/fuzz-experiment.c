/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * fuzz-experiment.c: arbitrary bytes into pl_experiment_parse.
 *
 * Invariants (abort on failure): a refused input gives PL_ERROR_FORMAT with a UTF-8
 * message; an accepted one has valid UTF-8 texts, a top_k in range, and survives a
 * round trip: saved to JSON and parsed again, it gives the same JSON.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "pl-error.h"
#include "pl-experiment.h"

#define FUZZ_TARGET "fuzz-experiment"
#include "fuzz-require.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PlExperiment) e = NULL;
  g_autoptr(PlExperiment) again = NULL;
  g_autofree char *json = NULL, *json2 = NULL;
  gsize len, len2;

  if (size > G_MAXSSIZE)
    return 0;
  e = pl_experiment_parse ((const char *) data, (gssize) size, &error);
  if (e == NULL)
    {
      REQUIRE (error != NULL && error->domain == PL_ERROR);
      REQUIRE (error->code == PL_ERROR_FORMAT);
      REQUIRE (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }
  REQUIRE (error == NULL);
  REQUIRE (g_utf8_validate (e->clean, -1, NULL));
  REQUIRE (g_utf8_validate (e->corrupted, -1, NULL));
  REQUIRE (e->top_k >= 1);
  REQUIRE (e->result == NULL || e->result->matrix != NULL);

  json = pl_experiment_to_json (e, &len);
  again = pl_experiment_parse (json, (gssize) len, &error);
  if (again == NULL)
    fprintf (stderr, "fuzz-experiment: reparse failed: %s\n", error->message);
  REQUIRE (again != NULL);
  json2 = pl_experiment_to_json (again, &len2);
  REQUIRE (len == len2 && memcmp (json, json2, len) == 0);
  return 0;
}
