/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-experiment.c: .patchlens files: save/load round trips (with and without a
 * result), newer versions with unknown members, refusal of anything else with a
 * message that says why, and the built-in presets.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "pl-error.h"
#include "pl-experiment.h"
#include "pl-result-fixture.h"
#include "pl-result-io.h"
#include "pl-set-fixture.h"
#include "pl-set-result-store.h"

static PlExperiment *
michelle (gboolean with_result)
{
  PlExperiment *e = pl_experiment_new ();

  g_free (e->clean);
  g_free (e->corrupted);
  g_free (e->clean_answer);
  g_free (e->corrupted_answer);
  e->clean = g_strdup (MICHELLE_CLEAN);
  e->corrupted = g_strdup (MICHELLE_CORRUPT);
  e->clean_answer = g_strdup (" Jones");
  e->corrupted_answer = g_strdup (" Smith");
  e->site = PL_SITE_MLP_OUT;
  e->metric = PL_METRIC_PROB_DIFF;
  e->model = g_strdup ("/home/me/models/gpt2-medium");
  e->top_k = 7;
  if (with_result)
    e->result = pl_fixture_result (3, MICHELLE_CLEAN, MICHELLE_CORRUPT, " Jones", " Smith");
  return e;
}

static void
test_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("pl-experiment-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *path = g_build_filename (dir, "michelle.patchlens", NULL);

  for (int with_result = 0; with_result < 2; with_result++)
    {
      g_autoptr(PlExperiment) e = michelle (with_result);
      g_autofree char *json = pl_experiment_to_json (e, NULL);

      g_assert_true (pl_experiment_save (e, path, &error));
      g_assert_no_error (error);
      g_autoptr(PlExperiment) back = pl_experiment_load (path, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (back->clean, ==, MICHELLE_CLEAN);
      g_assert_cmpstr (back->corrupted, ==, MICHELLE_CORRUPT);
      g_assert_cmpstr (back->clean_answer, ==, " Jones");
      g_assert_cmpstr (back->corrupted_answer, ==, " Smith");
      g_assert_cmpint (back->site, ==, PL_SITE_MLP_OUT);
      g_assert_cmpint (back->metric, ==, PL_METRIC_PROB_DIFF);
      g_assert_cmpstr (back->model, ==, "/home/me/models/gpt2-medium");
      g_assert_cmpint (back->top_k, ==, 7);
      if (with_result)
        {
          g_assert_nonnull (back->result);
          g_assert_cmpint (back->result->n_layers, ==, 3);
          g_assert_cmpint (back->result->n_positions, ==, 11);
          g_assert_true (back->result->matrix[7] == e->result->matrix[7]);
        }
      else
        g_assert_null (back->result);
      g_autofree char *json2 = pl_experiment_to_json (back, NULL);
      g_assert_cmpstr (json, ==, json2);
      g_assert_true (g_str_has_prefix (json,
          "{\n  \"format\": \"patchlens-experiment\",\n  \"version\": 1,\n"));
    }
  g_unlink (path);
  g_rmdir (dir);
}

/* A file from a later Patchlens: higher version, members we do not know. */
static void
test_newer_version (void)
{
  const char *json =
    "{\"format\": \"patchlens-experiment\", \"version\": 7,"
    " \"clean\": \"a b\", \"corrupted\": \"a c\","
    " \"clean_answer\": \" b\", \"corrupted_answer\": \" c\","
    " \"site\": \"attn_out\", \"metric\": \"restored\", \"top_k\": 3,"
    " \"colour_limits\": [-3, 3], \"notes\": {\"text\": \"hi\", \"tags\": [1, 2]},"
    " \"model\": null}";
  g_autoptr(GError) error = NULL;
  g_autoptr(PlExperiment) e = pl_experiment_parse (json, -1, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (e->clean, ==, "a b");
  g_assert_cmpint (e->site, ==, PL_SITE_ATTN_OUT);
  g_assert_cmpint (e->metric, ==, PL_METRIC_RESTORED);
  g_assert_cmpint (e->top_k, ==, 3);
  g_assert_null (e->model);
  g_assert_null (e->result);

  /* Only the texts are required; the rest takes a new experiment's defaults. */
  g_autoptr(PlExperiment) m = pl_experiment_parse (
      "{\"format\": \"patchlens-experiment\", \"version\": 1, \"clean\": \"\","
      " \"corrupted\": \"\", \"clean_answer\": \"\", \"corrupted_answer\": \"\"}", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (m->site, ==, PL_SITE_RESID_POST);
  g_assert_cmpint (m->metric, ==, PL_METRIC_LOGIT_DIFF);
  g_assert_cmpint (m->top_k, ==, 20);
}

static void
assert_refused (const char *data,
                gssize      length,
                const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PlExperiment) e = pl_experiment_parse (data, length, &error);

  g_assert_null (e);
  g_assert_error (error, PL_ERROR, PL_ERROR_FORMAT);
  g_test_message ("%s", error->message);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_assert_nonnull (strstr (error->message, message));
}

static void
test_refused (void)
{
  g_autoptr(PlSweepResult) r = pl_fixture_result (2, MICHELLE_CLEAN, MICHELLE_CORRUPT,
                                                  " Jones", " Smith");
  g_autofree char *sweep = pl_result_to_json (r, NULL);
  g_autofree char *deep = g_strnfill (100000, '[');
  static const char garbage[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\xff\xfe";

  assert_refused (sweep, -1,
                  "not a Patchlens experiment: its format is “patchlens-sweep”");
  assert_refused ("[1, 2, 3]", -1, "not a Patchlens experiment: the file is not a JSON object");
  assert_refused ("{\"name\": \"x\"}", -1, "not a Patchlens experiment: it has no “format”");
  assert_refused ("", 0, "not a Patchlens experiment");
  assert_refused (garbage, sizeof garbage, "not a Patchlens experiment");
  assert_refused ("{\"format\": \"patchlens-experiment\", \"version\": 1,", -1,
                  "not a Patchlens experiment");
  assert_refused (deep, -1, "nests too deep");
  assert_refused ("{\"format\": \"patchlens-experiment\", \"version\": \"1\"}", -1,
                  "“version” should be a whole number");
  assert_refused ("{\"format\": \"patchlens-experiment\", \"version\": 1,"
                  " \"corrupted\": \"\", \"clean_answer\": \"\", \"corrupted_answer\": \"\"}",
                  -1, "no “clean” text");
  assert_refused ("{\"format\": \"patchlens-experiment\", \"version\": 1, \"clean\": 5,"
                  " \"corrupted\": \"\", \"clean_answer\": \"\", \"corrupted_answer\": \"\"}",
                  -1, "“clean” should be a text");
  assert_refused ("{\"format\": \"patchlens-experiment\", \"version\": 1, \"clean\": \"\","
                  " \"corrupted\": \"\", \"clean_answer\": \"\", \"corrupted_answer\": \"\","
                  " \"site\": \"resid_mid\"}", -1, "site “resid_mid” is unknown");
  assert_refused ("{\"format\": \"patchlens-experiment\", \"version\": 1, \"clean\": \"\","
                  " \"corrupted\": \"\", \"clean_answer\": \"\", \"corrupted_answer\": \"\","
                  " \"top_k\": 0}", -1, "“top_k” should be a whole number from 1");
  assert_refused ("{\"format\": \"patchlens-experiment\", \"version\": 1, \"clean\": \"\","
                  " \"corrupted\": \"\", \"clean_answer\": \"\", \"corrupted_answer\": \"\","
                  " \"result\": {\"format\": \"patchlens-sweep\"}}", -1,
                  "saved result is damaged");
  assert_refused ("{\"format\": \"patchlens-experiment\", \"version\": 1, \"clean\": \"\xff\","
                  " \"corrupted\": \"\", \"clean_answer\": \"\", \"corrupted_answer\": \"\"}",
                  -1, "");
}

static void
test_load_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("pl-experiment-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "notes.patchlens", NULL);

  g_assert_null (pl_experiment_load ("/nonexistent/michelle.patchlens", &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/nonexistent/michelle.patchlens"));
  g_clear_error (&error);

  /* A file that is not an experiment: its name and what is wrong. */
  g_assert_true (g_file_set_contents (path, "shopping list: milk", -1, NULL));
  g_assert_null (pl_experiment_load (path, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_FORMAT);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, path));
  g_assert_nonnull (strstr (error->message, "not a Patchlens experiment"));

  /* Saving into a folder that does not exist. */
  g_autoptr(PlExperiment) e = michelle (FALSE);
  g_clear_error (&error);
  g_assert_false (pl_experiment_save (e, "/nonexistent/dir/x.patchlens", &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/nonexistent/dir/x.patchlens"));

  g_unlink (path);
  g_rmdir (dir);
}

/* The assignment's three examples and the indirect-object pair, each a valid experiment
 * for GPT-2's tokenizer. */
static void
test_presets (void)
{
  guint n;
  const PlPreset *p = pl_presets (&n);

  g_assert_cmpuint (n, ==, 4);
  g_assert_cmpstr (p[0].clean, ==, "Michelle Jones was a top-notch student. Michelle");
  g_assert_cmpstr (p[0].corrupted, ==, "Michelle Smith was a top-notch student. Michelle");
  g_assert_cmpstr (p[1].corrupted, ==, "Jessica Jones was a top-notch student. Michelle");
  g_assert_cmpstr (p[2].corrupted, ==, "Michelle Smith was a top-notch student. Jessica");
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PlInputs) in = pl_inputs_prepare (pl_fixture_tokenizer (), 1024,
                                                  p[i].clean, p[i].corrupted,
                                                  p[i].clean_answer, p[i].corrupted_answer,
                                                  &error);
      g_assert_no_error (error);
      g_assert_nonnull (p[i].name);
      g_assert_cmpstr (p[i].clean_answer, ==, " Jones");
      g_assert_cmpstr (p[i].corrupted_answer, ==, " Smith");
      g_assert_cmpint (in->clean.n_tokens, ==, 11);
      g_assert_cmpint (in->corrupted_answer_id, ==, 4176);
    }
  {
    /* The indirect-object pair: 14 tokens each, the answers swap, a head site. */
    g_autoptr(GError) error = NULL;
    g_autoptr(PlInputs) in = pl_inputs_prepare (pl_fixture_tokenizer (), 1024, p[3].clean,
                                                p[3].corrupted, p[3].clean_answer,
                                                p[3].corrupted_answer, &error);
    PlSite site;

    g_assert_no_error (error);
    g_assert_cmpint (in->clean.n_tokens, ==, 14);
    g_assert_cmpint (in->corrupted.n_tokens, ==, 14);
    g_assert_cmpstr (p[3].clean_answer, ==, " Mary");
    g_assert_cmpstr (p[3].corrupted_answer, ==, " John");
    g_assert_true (pl_site_from_string (p[3].site, &site) && pl_site_is_head (site));
    g_assert_null (p[0].site);
  }
}

/* The direction and granularity come back; a file from before them reads as denoise,
 * all positions; a bad value is named. */
static void
test_direction (void)
{
  g_autoptr(PlExperiment) e = michelle (FALSE);
  g_autoptr(GError) error = NULL;

  e->site = PL_SITE_HEAD_V;
  e->direction = PL_DIRECTION_NOISE;
  e->by_position = TRUE;
  g_autofree char *json = pl_experiment_to_json (e, NULL);
  g_autoptr(PlExperiment) back = pl_experiment_parse (json, -1, &error);
  g_assert_no_error (error);
  g_assert_true (back->site == PL_SITE_HEAD_V && back->direction == PL_DIRECTION_NOISE
                 && back->by_position);

  /* The same file without the two lines. */
  g_auto(GStrv) lines = g_strsplit (json, "\n", -1);
  g_autoptr(GString) old_json = g_string_new (NULL);
  for (char **l = lines; *l; l++)
    if (!strstr (*l, "\"direction\"") && !strstr (*l, "\"by_position\""))
      g_string_append_printf (old_json, "%s\n", *l);
  g_autoptr(PlExperiment) old = pl_experiment_parse (old_json->str, -1, &error);
  g_assert_no_error (error);
  g_assert_true (old->site == PL_SITE_HEAD_V && old->direction == PL_DIRECTION_DENOISE
                 && !old->by_position);

  g_autofree char *bad = g_strdup (json);
  memcpy (strstr (bad, "\"noise\""), "\"nois_\"", 7);
  g_assert_null (pl_experiment_parse (bad, -1, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "direction “nois_”"));
}


/* ---- sets of pairs ---- */

static void
assert_same_set (const PlSetResult *a,
                 const PlSetResult *b)
{
  g_assert_cmpint (a->n_pairs, ==, b->n_pairs);
  g_assert_cmpint (a->n_cells, ==, b->n_cells);
  g_assert_true (b->mean == b->summary->matrix);
  for (int c = 0; c < a->n_cells; c++)
    {
      g_assert_cmpfloat_with_epsilon (a->mean[c], b->mean[c], 1e-6);
      g_assert_cmpfloat_with_epsilon (a->std[c], b->std[c], 1e-6);
    }
  for (int i = 0; i < a->n_pairs * a->n_cells; i++)
    g_assert_cmpfloat_with_epsilon (a->matrices[i], b->matrices[i], 1e-6);
  for (int i = 0; i < a->n_pairs; i++)
    {
      g_assert_cmpstr (a->pairs[i].name, ==, b->pairs[i].name);
      g_assert_cmpint (a->pairs[i].line, ==, b->pairs[i].line);
      g_assert_cmpstr (a->pairs[i].clean, ==, b->pairs[i].clean);
      g_assert_cmpstr (a->pairs[i].corrupted, ==, b->pairs[i].corrupted);
      g_assert_cmpstr (a->pairs[i].clean_answer, ==, b->pairs[i].clean_answer);
      g_assert_cmpstr (a->pairs[i].corrupted_answer, ==, b->pairs[i].corrupted_answer);
      g_assert_cmpint (a->pairs[i].clean_answer_id, ==, b->pairs[i].clean_answer_id);
      g_assert_cmpint (a->pairs[i].corrupted_answer_id, ==, b->pairs[i].corrupted_answer_id);
      g_assert_cmpfloat (a->pairs[i].clean_value, ==, b->pairs[i].clean_value);
      g_assert_cmpfloat (a->pairs[i].corrupted_value, ==, b->pairs[i].corrupted_value);
    }
  g_assert_cmpstr (a->summary->inputs->clean.text, ==, b->summary->inputs->clean.text);
  g_assert_cmpint (a->summary->site, ==, b->summary->site);
}

/* The set, the mode and the set's result come back; a file from before sets opens in
 * the single mode with no set. */
static void
test_pairs_round_trip (void)
{
  g_autoptr(PlExperiment) e = michelle (TRUE);
  g_autoptr(PlExperiment) back = NULL;
  g_autoptr(PlExperiment) old = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;

  e->pairs_mode = TRUE;
  e->pairs = g_strdup (PL_FIXTURE_SET_JSONL);
  e->set_result = pl_fixture_set_result ();
  json = pl_experiment_to_json (e, NULL);
  g_assert_nonnull (strstr (json, "\"mode\": \"pairs\""));
  back = pl_experiment_parse (json, -1, &error);
  g_assert_no_error (error);
  g_assert_true (back->pairs_mode);
  g_assert_cmpstr (back->pairs, ==, PL_FIXTURE_SET_JSONL);
  g_assert_nonnull (back->set_result);
  assert_same_set (e->set_result, back->set_result);
  g_assert_nonnull (back->result);   /* the single pair's stays beside it */

  old = pl_experiment_parse ("{\"format\": \"patchlens-experiment\", \"version\": 1,"
                             " \"clean\": \"a\", \"corrupted\": \"b\","
                             " \"clean_answer\": \" c\", \"corrupted_answer\": \" d\"}",
                             -1, &error);
  g_assert_no_error (error);
  g_assert_false (old->pairs_mode);
  g_assert_null (old->pairs);
  g_assert_null (old->set_result);
}

#define MINIMAL "{\"format\": \"patchlens-experiment\", \"version\": 1, \"clean\": \"\"," \
                " \"corrupted\": \"\", \"clean_answer\": \"\", \"corrupted_answer\": \"\", "

static void
assert_set_refused (const char *members,
                    const char *message)
{
  g_autofree char *json = g_strconcat (MINIMAL, members, "}", NULL);

  assert_refused (json, -1, message);
}

/* A set's result with one member spoilt: the message names it. */
static void
assert_set_result_refused (const char *member,
                           const char *replacement,
                           const char *message)
{
  g_autoptr(PlSetResult) r = pl_fixture_set_result ();
  g_autoptr(JsonNode) node = pl_set_result_to_node (r);
  g_autoptr(JsonParser) p = json_parser_new ();
  g_autofree char *text = NULL, *members = NULL;

  g_assert_true (json_parser_load_from_data (p, replacement, -1, NULL));
  json_object_set_member (json_node_get_object (node), member,
                          json_node_copy (json_parser_get_root (p)));
  text = json_to_string (node, FALSE);
  members = g_strdup_printf ("\"set_result\": %s", text);
  assert_set_refused (members, message);
}

static void
test_pairs_refused (void)
{
  assert_set_refused ("\"mode\": \"both\"", "“mode” should be “single” or “pairs”");
  assert_set_refused ("\"mode\": 2", "“mode” should be “single” or “pairs”");
  assert_set_refused ("\"pairs\": 5", "“pairs” should be a list of pairs");
  assert_set_refused ("\"pairs\": [{\"clean\": \"a\"}, 5]", "pair 2 is not a pair");
  assert_set_refused ("\"set_result\": 5", "saved result for the set is damaged");
  assert_set_refused ("\"set_result\": {\"std\": []}",
                      "saved result for the set is damaged: the set's result has no valid “summary”");
  assert_set_result_refused ("std", "[1, 2]", "no valid “std”");
  assert_set_result_refused ("std", "\"x\"", "no valid “std”");
  assert_set_result_refused ("pairs", "[]", "no valid “pairs”");
  assert_set_result_refused ("pairs", "[{\"clean\": \"a\"}]", "no valid “corrupted”");
  assert_set_result_refused ("summary", "{\"format\": \"patchlens-sweep\"}",
                             "saved result for the set is damaged");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Patchlens/Experiment/round-trip", test_round_trip);
  g_test_add_func ("/Patchlens/Experiment/newer-version", test_newer_version);
  g_test_add_func ("/Patchlens/Experiment/direction", test_direction);
  g_test_add_func ("/Patchlens/Experiment/refused", test_refused);
  g_test_add_func ("/Patchlens/Experiment/load-errors", test_load_errors);
  g_test_add_func ("/Patchlens/Experiment/presets", test_presets);
  g_test_add_func ("/Patchlens/Experiment/pairs-round-trip", test_pairs_round_trip);
  g_test_add_func ("/Patchlens/Experiment/pairs-refused", test_pairs_refused);
  return g_test_run ();
}
