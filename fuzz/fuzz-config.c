/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * fuzz-config.c: arbitrary bytes into pl_config_parse.
 *
 * Invariants (abort on failure): a refused input gives PL_ERROR_FORMAT or
 * PL_ERROR_CONFIG with a UTF-8 message; an accepted one has every size within the
 * header's limits, n_embd divisible by n_head, and a small positive epsilon.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <glib.h>

#include "pl-config.h"
#include "pl-error.h"

#define FUZZ_TARGET "fuzz-config"
#include "fuzz-require.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  PlConfig cfg;

  if (size > G_MAXSSIZE)
    return 0;
  if (!pl_config_parse (&cfg, (const char *) data, (gssize) size, &error))
    {
      REQUIRE (error != NULL && error->domain == PL_ERROR);
      REQUIRE (error->code == PL_ERROR_FORMAT || error->code == PL_ERROR_CONFIG);
      REQUIRE (g_utf8_validate (error->message, -1, NULL));
      REQUIRE (g_str_has_prefix (error->message, "config.json: "));
      return 0;
    }
  REQUIRE (error == NULL);
  REQUIRE (cfg.n_layer >= 1 && cfg.n_layer <= 1024);
  REQUIRE (cfg.n_head >= 1 && cfg.n_embd >= 1 && cfg.n_embd <= 65536);
  REQUIRE (cfg.n_embd % cfg.n_head == 0);
  REQUIRE (cfg.n_positions >= 1 && cfg.n_positions <= 1048576);
  REQUIRE (cfg.vocab_size >= 1 && cfg.vocab_size <= 10000000);
  REQUIRE (isfinite (cfg.layer_norm_epsilon) && cfg.layer_norm_epsilon > 0.0f
           && cfg.layer_norm_epsilon < 1.0f);
  return 0;
}
