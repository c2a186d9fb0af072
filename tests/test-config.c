/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-config.c: config.json parsing: GPT-2's real config, the n_ctx fallback, defaults,
 * and a table of bad configs, each refused with a message naming the key.
 */
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pl-config.h"
#include "pl-error.h"

/* GPT-2 small's config.json from the Hugging Face hub, abridged. */
static const char gpt2_config[] =
  "{\n"
  "  \"activation_function\": \"gelu_new\",\n"
  "  \"architectures\": [\"GPT2LMHeadModel\"],\n"
  "  \"attn_pdrop\": 0.1,\n"
  "  \"layer_norm_epsilon\": 1e-05,\n"
  "  \"model_type\": \"gpt2\",\n"
  "  \"n_ctx\": 1024,\n"
  "  \"n_embd\": 768,\n"
  "  \"n_head\": 12,\n"
  "  \"n_layer\": 12,\n"
  "  \"n_positions\": 1024,\n"
  "  \"task_specific_params\": {\"text-generation\": {\"do_sample\": true}},\n"
  "  \"vocab_size\": 50257\n"
  "}\n";

static void
test_gpt2 (void)
{
  PlConfig cfg;
  g_autoptr(GError) error = NULL;

  g_assert_true (pl_config_parse (&cfg, gpt2_config, -1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cfg.n_layer, ==, 12);
  g_assert_cmpint (cfg.n_head, ==, 12);
  g_assert_cmpint (cfg.n_embd, ==, 768);
  g_assert_cmpint (cfg.n_positions, ==, 1024);
  g_assert_cmpint (cfg.vocab_size, ==, 50257);
  g_assert_cmpfloat_with_epsilon (cfg.layer_norm_epsilon, 1e-5, 1e-12);
}

/* Old files have n_ctx only; epsilon and activation default; n_inner may be explicit. */
static void
test_n_ctx_and_defaults (void)
{
  const char *json = "{\"n_layer\":2,\"n_head\":2,\"n_embd\":8,\"n_ctx\":16,"
                     "\"vocab_size\":300,\"n_inner\":32,\"activation_function\":\"gelu_fast\"}";
  PlConfig cfg;
  g_autoptr(GError) error = NULL;

  g_assert_true (pl_config_parse (&cfg, json, (gssize) strlen (json), &error));
  g_assert_no_error (error);
  g_assert_cmpint (cfg.n_positions, ==, 16);
  g_assert_cmpfloat_with_epsilon (cfg.layer_norm_epsilon, 1e-5, 1e-12);
  g_assert_cmpint (cfg.vocab_size, ==, 300);
}

static void
test_load_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("pl-cfg-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "config.json", NULL);
  PlConfig cfg;

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (path, "{\"n_layer\":1,\"n_head\":1,\"n_embd\":4,"
                                      "\"n_positions\":8,\"vocab_size\":10}", -1, &error));
  g_assert_true (pl_config_load (&cfg, path, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cfg.n_embd, ==, 4);

  g_assert_true (g_file_set_contents (path, "{\"n_layer\":1}", -1, &error));
  g_assert_false (pl_config_load (&cfg, path, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_CONFIG);
  g_assert_true (g_str_has_prefix (error->message, path));
  g_assert_true (g_str_has_suffix (error->message, ": missing key 'n_head'"));
  g_clear_error (&error);

  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_false (pl_config_load (&cfg, path, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_IO);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* A refused config leaves the caller's struct untouched. */
static void
test_untouched_on_error (void)
{
  PlConfig cfg = { 7, 7, 7, 7, 7, 0.5f };
  g_autoptr(GError) error = NULL;

  g_assert_false (pl_config_parse (&cfg, "{\"n_layer\":3}", -1, &error));
  g_assert_cmpint (cfg.n_layer, ==, 7);
}

typedef struct {
  const char *path;
  const char *json;
  int         code;
  const char *expect;   /* the whole message */
} BadConfig;

#define GOOD_BUT(extra) \
  "{\"n_layer\":12,\"n_head\":12,\"n_embd\":768,\"n_positions\":1024,\"vocab_size\":50257" extra "}"

static const BadConfig bad_configs[] = {
  { "not-json", "{\"n_layer\": ", PL_ERROR_FORMAT, NULL },
  { "not-object", "[12, 12]", PL_ERROR_FORMAT, "config.json: not a JSON object" },
  { "empty", "", PL_ERROR_FORMAT, "config.json: not a JSON object" },
  { "missing-n-head", "{\"n_layer\":12,\"n_embd\":768,\"n_positions\":1024,\"vocab_size\":5}",
    PL_ERROR_CONFIG, "config.json: missing key 'n_head'" },
  { "missing-positions", "{\"n_layer\":12,\"n_head\":12,\"n_embd\":768,\"vocab_size\":5}",
    PL_ERROR_CONFIG, "config.json: missing key 'n_positions' (or 'n_ctx')" },
  { "missing-vocab", "{\"n_layer\":12,\"n_head\":12,\"n_embd\":768,\"n_positions\":1024}",
    PL_ERROR_CONFIG, "config.json: missing key 'vocab_size'" },
  { "string-size", "{\"n_layer\":\"12\"}", PL_ERROR_CONFIG,
    "config.json: 'n_layer' must be an integer, not a string" },
  { "fractional-size", "{\"n_layer\":12.5}", PL_ERROR_CONFIG,
    "config.json: 'n_layer' must be an integer, not a fractional number" },
  { "null-size", "{\"n_layer\":null}", PL_ERROR_CONFIG,
    "config.json: 'n_layer' must be an integer, not null" },
  { "zero-heads", GOOD_BUT (",\"n_head\":0"), PL_ERROR_CONFIG,
    "config.json: 'n_head' (0) must be between 1 and 65536" },
  { "negative-layers", "{\"n_layer\":-1}", PL_ERROR_CONFIG,
    "config.json: 'n_layer' (-1) must be between 1 and 1024" },
  { "too-many-layers", "{\"n_layer\":1025}", PL_ERROR_CONFIG,
    "config.json: 'n_layer' (1025) must be between 1 and 1024" },
  { "too-wide", "{\"n_layer\":1,\"n_head\":1,\"n_embd\":65537}", PL_ERROR_CONFIG,
    "config.json: 'n_embd' (65537) must be between 1 and 65536" },
  { "too-long", "{\"n_layer\":1,\"n_head\":1,\"n_embd\":4,\"n_ctx\":1048577}", PL_ERROR_CONFIG,
    "config.json: 'n_ctx' (1048577) must be between 1 and 1048576" },
  { "huge-vocab", "{\"n_layer\":1,\"n_head\":1,\"n_embd\":4,\"n_positions\":4,"
    "\"vocab_size\":10000001}", PL_ERROR_CONFIG,
    "config.json: 'vocab_size' (10000001) must be between 1 and 10000000" },
  { "not-divisible", GOOD_BUT (",\"n_embd\":770"), PL_ERROR_CONFIG,
    "config.json: 'n_embd' (770) is not divisible by 'n_head' (12)" },
  { "relu", GOOD_BUT (",\"activation_function\":\"relu\""), PL_ERROR_CONFIG,
    "config.json: 'activation_function' is 'relu', but Patchlens computes only GPT-2's "
    "tanh GELU ('gelu_new', 'gelu_pytorch_tanh' or 'gelu_fast')" },
  { "exact-gelu", GOOD_BUT (",\"activation_function\":\"gelu\""), PL_ERROR_CONFIG, NULL },
  { "activation-octal", GOOD_BUT (",\"activation_function\":\"gelu\\200\""), PL_ERROR_CONFIG,
    "config.json: 'activation_function' is not valid UTF-8 text" },
  { "activation-number", GOOD_BUT (",\"activation_function\":1"), PL_ERROR_CONFIG,
    "config.json: 'activation_function' must be a string, not a number" },
  { "n-inner", GOOD_BUT (",\"n_inner\":1000"), PL_ERROR_CONFIG,
    "config.json: 'n_inner' (1000) must be null or 4 x 'n_embd' (3072); Patchlens computes "
    "only that MLP width" },
  { "n-inner-string", GOOD_BUT (",\"n_inner\":\"3072\""), PL_ERROR_CONFIG,
    "config.json: 'n_inner' must be null or an integer, not a string" },
  { "epsilon-zero", GOOD_BUT (",\"layer_norm_epsilon\":0"), PL_ERROR_CONFIG,
    "config.json: 'layer_norm_epsilon' (0) must be a small positive number such as 1e-05" },
  { "epsilon-negative", GOOD_BUT (",\"layer_norm_epsilon\":-1e-5"), PL_ERROR_CONFIG, NULL },
  { "epsilon-string", GOOD_BUT (",\"layer_norm_epsilon\":\"1e-5\""), PL_ERROR_CONFIG,
    "config.json: 'layer_norm_epsilon' must be a number, not a string" },
};

static void
test_bad_config (gconstpointer data)
{
  const BadConfig *c = data;
  PlConfig cfg;
  g_autoptr(GError) error = NULL;

  g_assert_false (pl_config_parse (&cfg, c->json, -1, &error));
  g_assert_error (error, PL_ERROR, c->code);
  g_assert_true (g_str_has_prefix (error->message, "config.json: "));
  if (c->expect)
    g_assert_cmpstr (error->message, ==, c->expect);
}

/* Duplicate keys in GOOD_BUT: the later value wins, as in Python's json module. */
static void
test_last_duplicate_wins (void)
{
  PlConfig cfg;
  g_autoptr(GError) error = NULL;

  g_assert_true (pl_config_parse (&cfg, GOOD_BUT (",\"n_layer\":6"), -1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cfg.n_layer, ==, 6);
}

/* A config.json that never ends (/dev/zero) or never starts (a FIFO with no writer)
 * is refused at once, without reading it, saying what it is; one that is too large is
 * refused while reading. */
static void
test_not_a_regular_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("pl-config-XXXXXX", NULL);
  g_autofree char *fifo = g_build_filename (dir, "config.json", NULL);
  g_autofree char *zero = g_build_filename (dir, "zero.json", NULL);
  g_autofree char *big = g_build_filename (dir, "big.json", NULL);
  g_autofree char *text = g_strnfill (17 << 20, ' ');
  PlConfig cfg;

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_false (pl_config_load (&cfg, fifo, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "FIFO"));
  g_clear_error (&error);
  g_assert_cmpint (symlink ("/dev/zero", zero), ==, 0);
  g_assert_false (pl_config_load (&cfg, zero, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "device"));
  g_clear_error (&error);
  text[0] = '{';
  g_assert_true (g_file_set_contents (big, text, -1, NULL));
  g_assert_false (pl_config_load (&cfg, big, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "too large"));
  g_unlink (fifo);
  g_unlink (zero);
  g_unlink (big);
  g_rmdir (dir);
}

static void
test_invalid_utf8 (void)
{
  PlConfig cfg;
  g_autoptr(GError) error = NULL;

  g_assert_false (pl_config_parse (&cfg, "{\"n_layer\xff\":1}", -1, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_FORMAT);
  g_assert_cmpstr (error->message, ==, "config.json: not valid UTF-8 text");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Patchlens/Config/gpt2", test_gpt2);
  g_test_add_func ("/Patchlens/Config/n-ctx-and-defaults", test_n_ctx_and_defaults);
  g_test_add_func ("/Patchlens/Config/load-file", test_load_file);
  g_test_add_func ("/Patchlens/Config/untouched-on-error", test_untouched_on_error);
  g_test_add_func ("/Patchlens/Config/last-duplicate-wins", test_last_duplicate_wins);
  g_test_add_func ("/Patchlens/Config/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/Patchlens/Config/not-a-regular-file", test_not_a_regular_file);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_configs); i++)
    {
      g_autofree char *path = g_strconcat ("/Patchlens/Config/bad/", bad_configs[i].path, NULL);
      g_test_add_data_func (path, &bad_configs[i], test_bad_config);
    }
  return g_test_run ();
}
