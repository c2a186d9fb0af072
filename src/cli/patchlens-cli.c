/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * patchlens-cli.c: the headless twin of the Patchlens app. main() picks the
 * subcommand; each lives in its own cli-NAME.c and only parses, calls the core library
 * and shows.
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "cli-common.h"
#include "pl-blas.h"

static const CliCommand commands[] = {
  { "tokenize", "Show the GPT-2 tokens of a text (or of JSON lines on stdin)",
    cli_tokenize },
  { "topk",     "Show the most probable next tokens after a prompt", cli_topk },
  { "sweep",    "Run an activation-patching sweep and show or export the heatmap",
    cli_sweep },
  { "pairs",    "Make a set of prompt pairs from a template (JSON Lines)", cli_pairs },
  { "models",   "List the GPT-2 models found on this machine", cli_models },
  { "download", "Download a GPT-2 model from the Hugging Face hub", cli_download },
  { "lens",     "Read each layer's residual stream as next-token predictions (logit lens)",
    cli_lens },
  { "attention", "Show one attention head's pattern on a prompt", cli_attention },
  { "attribute", "Split a logit difference over heads, MLPs and embeddings",
    cli_attribute },
};

static const CliCommand *
find_command (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

static void
print_help (FILE *out)
{
  fputs ("Usage:\n"
         "  patchlens-cli COMMAND [OPTION…] [ARGUMENT…]\n"
         "\n"
         "Activation patching on GPT-2 models, from the command line.\n"
         "\n"
         "Commands:\n", out);
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fputs ("  help       Show the options of a command: patchlens-cli help COMMAND\n"
         "\n"
         "Options:\n"
         "  -h, --help     Show this help\n"
         "  --version      Show the version\n"
         "\n"
         "--model takes a model folder (config.json + model.safetensors) or a name\n"
         "(gpt2, gpt2-medium, gpt2-large, gpt2-xl, distilgpt2) looked up in\n"
         "$PATCHLENS_MODELS, Patchlens' download folder and the Hugging Face cache.\n"
         "Anything with a slash (./gpt2) is a folder; a bare name is looked up, unless\n"
         "a folder of that name here holds a model.\n",
         out);
}

/* Runs the command with argv[0] = "patchlens-cli NAME", so GLib's help and messages
 * name the subcommand. */
static int
run_command (const CliCommand *cmd,
             int               argc,
             char            **argv)
{
  g_autofree char *prgname = g_strdup_printf ("patchlens-cli %s", cmd->name);
  g_autofree char **sub_argv = g_new0 (char *, argc + 1);

  g_set_prgname (prgname);
  sub_argv[0] = prgname;
  for (int i = 1; i < argc; i++)
    sub_argv[i] = argv[i];
  return cmd->run (argc, sub_argv);
}

static int
run_help (int    argc,
          char **argv)
{
  const CliCommand *cmd;
  char *help_argv[] = { NULL, (char *) "--help", NULL };

  if (argc < 3)
    {
      print_help (stdout);
      return CLI_EXIT_OK;
    }
  cmd = find_command (argv[2]);
  if (cmd == NULL)
    return cli_usage (NULL, "no command named “%s”", argv[2]);
  /* GOptionContext prints the help and exits 0 on --help. */
  return run_command (cmd, 2, help_argv);
}

int
main (int    argc,
      char **argv)
{
  const CliCommand *cmd;
  int status;

  cli_guard_std_fds ();
  cli_quiet_gsettings ();
  pl_blas_init (argv);
  setlocale (LC_ALL, "");
  g_set_prgname ("patchlens-cli");

  if (argc < 2)
    return cli_usage (NULL, "no command given");
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    {
      print_help (stdout);
      return cli_finish_stdout () ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
    }
  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("patchlens-cli %s\n", PACKAGE_VERSION);
      return cli_finish_stdout () ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
    }
  if (strcmp (argv[1], "help") == 0)
    return run_help (argc, argv);
  if (argv[1][0] == '-')
    return cli_usage (NULL, "unknown option “%s” (options go after the command)",
                      argv[1]);

  cmd = find_command (argv[1]);
  if (cmd == NULL)
    return cli_usage (NULL, "no command named “%s”", argv[1]);
  status = run_command (cmd, argc - 1, argv + 1);
  if (!cli_finish_stdout () && status == CLI_EXIT_OK)
    status = CLI_EXIT_FAILURE;
  cli_free_font_caches ();   /* after a figure; every command has freed its objects */
  return status;
}
