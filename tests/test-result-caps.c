/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-result-caps.c: a sweep result (in a result or experiment file) that claims more
 * than a GPT-2 family model can produce is refused before anything is allocated for it:
 * more than 96 layers or 8192 positions, a top-k longer than the 50257-token vocabulary.
 */
#include <string.h>
#include <glib.h>
#include <json-glib/json-glib.h>

#include "pl-error.h"
#include "pl-result-io.h"

static PlSweepResult *
read_result (const char *text, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_true (json_parser_load_from_data (parser, text, -1, NULL));
  return pl_result_from_json_node (json_parser_get_root (parser), error);
}

static char *
header (int layers, int positions)
{
  return g_strdup_printf ("{\"format\": \"patchlens-sweep\", \"version\": 1, \"site\": "
                          "\"resid_post\", \"metric\": \"logit-diff\", \"layers\": %d, "
                          "\"positions\": %d", layers, positions);
}

static void
test_too_many_layers_or_positions (void)
{
  const int shapes[][2] = { { 97, 1 }, { 1, 8193 }, { 1000000, 1000000 } };

  for (gsize i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *h = header (shapes[i][0], shapes[i][1]);
      g_autofree char *text = g_strconcat (h, "}", NULL);

      g_assert_null (read_result (text, &error));
      g_assert_error (error, PL_ERROR, PL_ERROR_FORMAT);
      g_assert_nonnull (strstr (error->message, shapes[i][0] > 96 ? "layers" : "positions"));
    }
}

static void
test_topk_longer_than_the_vocabulary (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *h = header (1, 1);
  GString *s = g_string_new (h);

  g_string_append (s, ", \"clean\": {\"text\": \"a\", \"ids\": [64], \"pieces\": [\"a\"], "
                   "\"answer_logits\": {\"clean\": 0, \"corrupted\": 0}, \"metric\": 0, "
                   "\"topk\": [");
  for (int i = 0; i < 50258; i++)
    g_string_append_printf (s, "%s{\"rank\": %d, \"id\": %d, \"token\": \"t\", "
                            "\"prob\": 0, \"logit\": 0}", i ? ", " : "", i + 1, i);
  g_string_append (s, "]}}");
  g_assert_null (read_result (s->str, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "topk"));
  g_assert_nonnull (strstr (error->message, "50258"));
  g_string_free (s, TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Patchlens/ResultCaps/shape", test_too_many_layers_or_positions);
  g_test_add_func ("/Patchlens/ResultCaps/topk", test_topk_longer_than_the_vocabulary);
  return g_test_run ();
}
