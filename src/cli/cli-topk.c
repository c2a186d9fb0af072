/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * cli-topk.c: `patchlens-cli topk`: the k most probable next tokens after a prompt, as
 * the assignment's table or as JSON.
 */
#include "cli-common.h"

#include "pl-inputs.h"
#include "pl-sweep.h"

static void
print_json (const PlPrompt *prompt,
            const PlTopK   *top)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  cli_build_ids_json (b, prompt->ids, prompt->n_tokens, NULL);
  json_builder_set_member_name (b, "topk");
  cli_build_topk_json (b, top);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  cli_print_json (stdout, root);
}

static void
print_plain (PlModel        *model,
             const PlPrompt *prompt,
             const PlTopK   *top)
{
  g_autofree char *tokens = pl_prompt_describe (prompt);

  printf ("Model %s, prompt of %d token%s: %s\n\n", pl_model_name (model),
          prompt->n_tokens, prompt->n_tokens == 1 ? "" : "s", tokens);
  cli_print_topk_table (stdout, top);
}

int
cli_topk (int    argc,
          char **argv)
{
  g_autofree char *model_arg = NULL;
  gboolean json = FALSE;
  int k = 20;
  GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_arg,
      "The model: a folder or a name such as gpt2 (required)", "DIR|NAME" },
    { "top-k", 'k', 0, G_OPTION_ARG_INT, &k,
      "How many tokens to show (default 20)", "K" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      "Print {\"ids\": [...], \"topk\": [{\"rank\", \"id\", \"token\", \"prob\", "
      "\"logit\"}, ...]}", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("TEXT");
  g_autoptr(GError) error = NULL;
  g_autoptr(PlModel) model = NULL;
  g_autoptr(PlTopK) top = NULL;
  PlPrompt prompt = { 0 };
  const PlConfig *cfg;

  g_option_context_set_summary (ctx, "Shows the most probable next tokens after TEXT.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!cli_parse_options (ctx, "topk", &argc, &argv))
    return CLI_EXIT_USAGE;
  if (model_arg == NULL)
    return cli_usage ("topk", "--model is required (a folder or a name such as gpt2)");
  if (argc != 2)
    return cli_usage ("topk", argc < 2 ? "no TEXT given"
                      : "give one TEXT (quote it if it holds spaces)");
  if (k < 1)
    return cli_usage ("topk", "-k must be at least 1 (got %d)", k);

  model = cli_load_model (model_arg, &error);
  if (model == NULL)
    return cli_fail (error);
  cfg = pl_model_config (model);
  k = MIN (k, cfg->vocab_size);
  if (!pl_prompt_init (&prompt, pl_model_tokenizer (model), argv[1], "prompt",
                       cfg->n_positions, &error))
    return cli_fail (error);
  top = pl_model_topk (model, prompt.ids, prompt.n_tokens, k, &error);
  if (top != NULL)
    {
      if (json)
        print_json (&prompt, top);
      else
        print_plain (model, &prompt, top);
    }
  pl_prompt_clear (&prompt);
  return top != NULL ? CLI_EXIT_OK : cli_fail (error);
}
