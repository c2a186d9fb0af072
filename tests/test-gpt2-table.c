/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-gpt2-table.c: on the real gpt2 weights, the assignment's top-20 table for
 * "Michelle Jones was a top-notch student. Michelle", to 4 decimals.
 *
 * The weights cannot be downloaded on the machines that build Patchlens, so the test
 * runs only where PATCHLENS_GPT2_DIR names a gpt2 folder (e.g. after
 * `patchlens-cli download gpt2`), and says so when it skips.
 */
#include <math.h>

#include "pl-sweep.h"

/* The assignment's table: rank order, token id, probability. */
static const struct { gint32 id; const char *token; double prob; } table[20] = {
  { 373, " was", 0.1634 },    { 5437, " Jones", 0.1396 }, { 338, "'s", 0.0806 },
  { 550, " had", 0.0491 },    { 318, " is", 0.0229 },     { 290, " and", 0.0227 },
  { 11, ",", 0.0222 },        { 531, " said", 0.0134 },   { 468, " has", 0.0120 },
  { 635, " also", 0.0117 },   { 1625, " came", 0.0091 },  { 1297, " told", 0.0084 },
  { 1422, " didn", 0.0070 },  { 2993, " knew", 0.0067 },  { 1816, " went", 0.0061 },
  { 561, " would", 0.0061 },  { 3111, " worked", 0.0055 }, { 750, " did", 0.0054 },
  { 2486, " Obama", 0.0053 }, { 2492, " wasn", 0.0050 },
};

static void
test_michelle_table (void)
{
  const char *dir = g_getenv ("PATCHLENS_GPT2_DIR");
  g_autoptr(GError) error = NULL;
  g_autoptr(PlModel) model = NULL;
  g_autoptr(PlInputs) in = NULL;
  g_autoptr(PlTopK) top = NULL;

  if (dir == NULL || *dir == '\0')
    {
      g_test_skip ("PATCHLENS_GPT2_DIR is not set: the real gpt2 weights are needed "
                   "(patchlens-cli download gpt2, then point PATCHLENS_GPT2_DIR at it)");
      return;
    }
  model = pl_model_load (dir, &error);
  g_assert_no_error (error);
  in = pl_inputs_prepare (pl_model_tokenizer (model), 1024,
                          "Michelle Jones was a top-notch student. Michelle",
                          "Michelle Smith was a top-notch student. Michelle",
                          " Jones", " Smith", &error);
  g_assert_no_error (error);
  top = pl_model_topk (model, in->clean.ids, in->clean.n_tokens, 20, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 20; i++)
    {
      g_test_message ("%2d %5d %-8s %.4f", i + 1, top->entries[i].id, top->entries[i].token,
                      top->entries[i].prob);
      g_assert_cmpint (top->entries[i].id, ==, table[i].id);
      g_assert_cmpstr (top->entries[i].token, ==, table[i].token);
      /* "to 4 decimals": the printed value rounds to the table's */
      g_assert_cmpfloat (fabs (top->entries[i].prob - table[i].prob), <=, 0.00005 + 1e-9);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Patchlens/GPT2/michelle-top20", test_michelle_table);
  return g_test_run ();
}
