/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-config.h: a GPT-2 config.json (Hugging Face layout).
 *
 *   PlConfig cfg;
 *   if (!pl_config_load (&cfg, "gpt2/config.json", &error)) ...
 *
 * Required keys: n_layer, n_head, n_embd, n_positions (or n_ctx), vocab_size.
 * Optional: layer_norm_epsilon (default 1e-5); activation_function (default
 * "gelu_new"; the tanh forms "gelu_new", "gelu_pytorch_tanh" and "gelu_fast" are
 * accepted, any other is refused since the engine computes only that one); n_inner
 * (null or 4 * n_embd, other values refused). Unknown keys are ignored.
 * Sanity limits (PL_ERROR_CONFIG with the key's name): every size > 0, n_embd divisible
 * by n_head, n_layer <= 1024, n_embd <= 65536, n_positions <= 1048576,
 * vocab_size <= 10000000.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  int    n_layer;
  int    n_head;
  int    n_embd;
  int    n_positions;
  int    vocab_size;
  float  layer_norm_epsilon;
} PlConfig;

gboolean pl_config_parse (PlConfig    *cfg,
                          const char  *json,
                          gssize       len,
                          GError     **error);
gboolean pl_config_load  (PlConfig    *cfg,
                          const char  *path,
                          GError     **error);

G_END_DECLS
