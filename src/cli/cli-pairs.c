/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * cli-pairs.c: `patchlens-cli pairs`: a set of prompt pairs from a template with slots,
 * written as JSON Lines on stdout (the input of `sweep --pairs`).
 */
#include <string.h>

#include "cli-common.h"

#include "pl-template.h"

typedef struct {
  char   *template_text;
  char  **slots;
  char  **corruptions;
  char   *answers;
  int     limit;
  gint64  seed;
} PairsArgs;

static void
pairs_args_clear (PairsArgs *a)
{
  g_free (a->template_text);
  g_strfreev (a->slots);
  g_strfreev (a->corruptions);
  g_free (a->answers);
}

static GOptionContext *
make_context (PairsArgs *a)
{
  const GOptionEntry entries[] = {
    { "template", 0, 0, G_OPTION_ARG_FILENAME, &a->template_text,
      "The text with slots, e.g. \"When {A} and {B} went to the {place}, {B} gave a "
      "drink to\" (required)", "TEXT" },
    { "slot", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &a->slots,
      "A slot's fillers, separated by commas, e.g. A=Mary,John,Anna (once per slot)",
      "NAME=v1,v2,..." },
    { "corrupt", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &a->corruptions,
      "How the corrupted prompt differs: A=B swaps slots A and B, S=value puts value "
      "in slot S (repeatable, applied in order; at least one)", "SLOT=SLOT|SLOT=value" },
    { "answers", 0, 0, G_OPTION_ARG_FILENAME, &a->answers,
      "The slots whose values are the answers: the clean answer is CLEAN_SLOT's value in "
      "the clean prompt, the corrupted answer CORRUPTED_SLOT's in the corrupted prompt, "
      "each with a leading space (required)", "CLEAN_SLOT,CORRUPTED_SLOT" },
    { "limit", 0, 0, G_OPTION_ARG_INT, &a->limit,
      "Keep N combinations drawn at random (default: all)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &a->seed,
      "Seed of the random draw (default 0): the same seed, the same pairs", "S" },
    { NULL }
  };
  GOptionContext *ctx = g_option_context_new ("");

  g_option_context_set_summary (ctx,
      "Writes a set of prompt pairs as JSON Lines on standard output, one pair for each "
      "combination\nof the slots' fillers: {\"name\", \"clean\", \"corrupted\", "
      "\"clean_answer\", \"corrupted_answer\"}.\nThe result is the input of "
      "`patchlens-cli sweep --pairs FILE.jsonl`.");
  g_option_context_set_description (ctx,
      "Every filler must be one GPT-2 token where it stands (with its leading space "
      "after a space),\nso that every pair has the same positions; a filler that is not "
      "is refused with its tokens.\nCombinations whose corrupted prompt equals the clean "
      "one, or whose answers are equal, are left out.\n\n"
      "Example (IOI):\n"
      "  patchlens-cli pairs --template \"When {A} and {B} went to the {place}, {B} gave "
      "a drink to\" \\\n"
      "      --slot A=Mary,John,Anna --slot B=Mary,John,Anna --slot place=store,park \\\n"
      "      --corrupt A=B --answers A,A --limit 8 --seed 1 > ioi.jsonl\n"
      "  patchlens-cli sweep --model gpt2 --pairs ioi.jsonl --pdf ioi.pdf\n\n"
      "Ready sets ship with Patchlens: `sweep --pairs ioi` and `sweep --pairs names`.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  return ctx;
}

/* "NAME=rest": the name (new) and a pointer into arg after the '='; NULL if no '='. */
static char *
split_assignment (const char *arg, const char **rest)
{
  const char *eq = strchr (arg, '=');

  if (eq == NULL)
    return NULL;
  *rest = eq + 1;
  return g_strndup (arg, eq - arg);
}

static int
add_slots (PlTemplate *t, char **slots)
{
  for (int i = 0; slots != NULL && slots[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      const char *rest;
      g_autofree char *name = split_assignment (slots[i], &rest);
      g_auto(GStrv) values = NULL;

      if (name == NULL)
        return cli_usage ("pairs", "--slot “%s” needs the form NAME=value1,value2,…",
                          slots[i]);
      values = g_strsplit (rest, ",", -1);
      if (!pl_template_add_slot (t, name, (const char *const *) values, &error))
        return cli_fail (error);
    }
  return CLI_EXIT_OK;
}

static int
add_corruptions (PlTemplate *t, char **corruptions)
{
  for (int i = 0; corruptions != NULL && corruptions[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      const char *rest;
      g_autofree char *slot = split_assignment (corruptions[i], &rest);

      if (slot == NULL)
        return cli_usage ("pairs", "--corrupt “%s” needs the form SLOT=OTHER_SLOT (a "
                          "swap) or SLOT=value", corruptions[i]);
      if (!pl_template_add_corruption (t, slot, rest, &error))
        return cli_fail (error);
    }
  return CLI_EXIT_OK;
}

static int
set_answers (PlTemplate *t, const char *answers)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) parts = g_strsplit (answers, ",", -1);

  if (g_strv_length (parts) != 2 || *parts[0] == '\0' || *parts[1] == '\0')
    return cli_usage ("pairs", "--answers “%s” needs the form CLEAN_SLOT,CORRUPTED_SLOT",
                      answers);
  if (!pl_template_set_answers (t, parts[0], parts[1], &error))
    return cli_fail (error);
  return CLI_EXIT_OK;
}

static int
check_args (const PairsArgs *a, int argc, char **argv)
{
  if (argc > 1)
    return cli_usage ("pairs", "unexpected argument “%s” (the template goes after "
                      "--template)", argv[1]);
  if (a->template_text == NULL)
    return cli_usage ("pairs", "--template is required (a text with {SLOT}s)");
  if (a->slots == NULL)
    return cli_usage ("pairs", "--slot is required (NAME=value1,value2,… for each slot)");
  if (a->corruptions == NULL)
    return cli_usage ("pairs", "--corrupt is required (SLOT=OTHER_SLOT swaps two slots, "
                      "SLOT=value replaces one)");
  if (a->answers == NULL)
    return cli_usage ("pairs", "--answers is required (CLEAN_SLOT,CORRUPTED_SLOT)");
  if (a->limit < 0)
    return cli_usage ("pairs", "--limit must be at least 1 (got %d)", a->limit);
  if (a->seed < 0 || a->seed > G_MAXUINT32)
    return cli_usage ("pairs", "--seed must be between 0 and %u (got %" G_GINT64_FORMAT ")",
                      G_MAXUINT32, a->seed);
  return CLI_EXIT_OK;
}

static int
expand (const PairsArgs *a)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PlTokenizer) tok = cli_load_tokenizer (NULL, &error);
  g_autoptr(PlTemplate) t = NULL;
  g_autoptr(GPtrArray) pairs = NULL;
  int status;

  if (tok == NULL)
    return cli_fail (error);
  t = pl_template_new (a->template_text, &error);
  if (t == NULL)
    return cli_fail (error);
  if ((status = add_slots (t, a->slots)) != CLI_EXIT_OK
      || (status = add_corruptions (t, a->corruptions)) != CLI_EXIT_OK
      || (status = set_answers (t, a->answers)) != CLI_EXIT_OK)
    return status;
  pairs = pl_template_expand (t, tok, a->limit, (guint32) a->seed, &error);
  if (pairs == NULL)
    return cli_fail (error);
  if (a->limit > (int) pairs->len)
    cli_message ("--limit %d: the template makes only %u pairs; writing them all",
                 a->limit, pairs->len);
  for (guint i = 0; i < pairs->len; i++)
    {
      g_autofree char *line = pl_template_pair_to_json (pairs->pdata[i]);

      fputs (line, stdout);
      fputc ('\n', stdout);
    }
  return CLI_EXIT_OK;
}

int
cli_pairs (int    argc,
           char **argv)
{
  PairsArgs a = { 0 };
  GOptionContext *ctx = make_context (&a);
  int status = CLI_EXIT_USAGE;

  if (cli_parse_options (ctx, "pairs", &argc, &argv))
    status = check_args (&a, argc, argv);
  g_option_context_free (ctx);
  if (status == CLI_EXIT_OK)
    status = expand (&a);
  pairs_args_clear (&a);
  return status;
}
