/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-result-io.c: sweep results as JSON (round trip, exact floats, NaN as null,
 * strict reading with clear messages), as CSV (RFC 4180 quoting) and the atomic writer.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "pl-error.h"
#include "pl-result-fixture.h"
#include "pl-result-io.h"

static JsonNode *
parse_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

static void
test_json_round_trip (void)
{
  g_autoptr(PlSweepResult) r = pl_fixture_result (12, MICHELLE_CLEAN, MICHELLE_CORRUPT,
                                                  " Jones", " Smith");
  g_autoptr(GError) error = NULL;

  r->matrix[5] = NAN;   /* a cell not computed */
  g_autofree char *json = pl_result_to_json (r, NULL);
  g_autoptr(JsonNode) node = parse_json (json);
  g_autoptr(PlSweepResult) back = pl_result_from_json_node (node, &error);
  g_assert_no_error (error);
  g_autofree char *json2 = pl_result_to_json (back, NULL);
  g_assert_cmpstr (json, ==, json2);

  /* Everything the file holds came back exactly, floats bit for bit. */
  g_assert_cmpint (back->n_layers, ==, 12);
  g_assert_cmpint (back->n_positions, ==, 11);
  g_assert_cmpstr (back->model_name, ==, "gpt2");
  g_assert_cmpstr (back->inputs->clean.pieces[1], ==, " Jones");
  g_assert_cmpstr (back->inputs->corrupted.pieces[1], ==, " Smith");
  g_assert_cmpint (back->inputs->corrupted_answer_id, ==, 4176);
  g_assert_cmpint (back->inputs->clean_answer_id, ==, 5437);
  g_assert_cmpint (back->clean_topk->n, ==, 5);
  g_assert_cmpstr (back->clean_topk->entries[0].token, ==, r->clean_topk->entries[0].token);
  g_assert_true (back->corrupted_topk->entries[0].logit == r->corrupted_topk->entries[0].logit);
  g_assert_true (isnan (back->matrix[5]));
  for (int i = 0; i < 12 * 11; i++)
    if (i != 5)
      g_assert_true (back->matrix[i] == r->matrix[i]);
  g_assert_true (back->clean_logits[1] == r->clean_logits[1]);
  g_assert_null (back->final_hidden);
}

static void
test_json_layout (void)
{
  g_autoptr(PlSweepResult) r = pl_fixture_result (2, MICHELLE_CLEAN, MICHELLE_CORRUPT,
                                                  " Jones", " Smith");
  r->matrix[0] = 0.1634f;
  r->matrix[1] = 2.0f;
  r->matrix[2] = NAN;
  g_autofree char *json = pl_result_to_json (r, NULL);

  g_test_message ("%s", json);
  g_assert_true (g_str_has_prefix (json, "{\n  \"format\": \"patchlens-sweep\",\n"));
  g_assert_nonnull (strstr (json, "\"version\": 1,"));
  g_assert_nonnull (strstr (json, "\"site\": \"resid_post\""));
  g_assert_nonnull (strstr (json, "\"metric\": \"logit-diff\""));
  g_assert_nonnull (strstr (json, "\"metric_label\": \"logit( Smith) − logit( Jones)\""));
  g_assert_nonnull (strstr (json, "\"layers\": 2,"));
  g_assert_nonnull (strstr (json, "\"positions\": 11,"));
  g_assert_nonnull (strstr (json, "\"ids\": [48736, 5437, 373,"));
  g_assert_nonnull (strstr (json, "\"clean_answer\": {\n    \"id\": 5437,"));
  /* Floats as short as they can be while reading back the same; NaN as null. */
  g_assert_nonnull (strstr (json, "[0.1634, 2.0, null, "));
  g_assert_nonnull (strstr (json, "\"seconds\": 0.21,"));
  g_assert_nonnull (strstr (json, "\"naive\": false"));
  g_assert_null (strstr (json, "0.16339999"));
}

/* Random floats of every magnitude come back bit for bit. */
static void
test_json_floats_exact (void)
{
  g_autoptr(PlSweepResult) r = pl_fixture_result (40, MICHELLE_CLEAN, MICHELLE_CORRUPT,
                                                  " Jones", " Smith");
  g_autoptr(GError) error = NULL;
  GRand *rand = g_rand_new_with_seed (42);

  for (int i = 0; i < 40 * 11; i++)
    r->matrix[i] = (float) (g_rand_double_range (rand, -1, 1)
                            * pow (10, g_rand_int_range (rand, -30, 30)));
  r->matrix[0] = 3.4028235e38f;
  r->matrix[1] = -1.17549435e-38f;
  r->matrix[2] = 0.0f;
  g_rand_free (rand);

  g_autofree char *json = pl_result_to_json (r, NULL);
  g_autoptr(JsonNode) node = parse_json (json);
  g_autoptr(PlSweepResult) back = pl_result_from_json_node (node, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 40 * 11; i++)
    {
      if (memcmp (&back->matrix[i], &r->matrix[i], sizeof (float)) != 0)
        g_error ("cell %d: wrote %.9g, read %.9g", i, r->matrix[i], back->matrix[i]);
    }
}

/* Each damage gives PL_ERROR_FORMAT with a message naming what is wrong. */
static void
test_json_strict (void)
{
  g_autoptr(PlSweepResult) r = pl_fixture_result (3, MICHELLE_CLEAN, MICHELLE_CORRUPT,
                                                  " Jones", " Smith");
  g_autofree char *json = pl_result_to_json (r, NULL);
  static const struct {
    const char *member;       /* replaced by value */
    const char *value;
    const char *message;      /* expected in the error */
  } cases[] = {
    { "format", "\"patchlens-experiment\"", "not a Patchlens sweep result" },
    { "layers", "4", "matrix has 3 rows" },
    { "layers", "\"3\"", "“layers” should be a whole number" },
    { "positions", "10", "has 11 ids" },
    { "matrix", "[[1,2],[3],[4]]", "Row 0" },
    { "matrix", "{}", "“matrix” should be an array" },
    { "site", "\"resid_mid\"", "site “resid_mid” is unknown" },
    { "metric", "7", "“metric” should be a text" },
    { "clean", "[]", "“clean” should be an object" },
    { "seconds", "\"fast\"", "“seconds” should be a number" },
    { "naive", "1", "“naive” should be true or false" },
    { "corrupted_answer", "{\"id\": -1, \"token\": \" Smith\"}",
      "“corrupted_answer.id” should be a whole number" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) node = parse_json (json);
      g_autoptr(JsonNode) value = parse_json (cases[i].value);
      g_autoptr(GError) error = NULL;

      json_object_set_member (json_node_get_object (node), cases[i].member,
                              g_steal_pointer (&value));
      g_autoptr(PlSweepResult) back = pl_result_from_json_node (node, &error);
      g_assert_null (back);
      g_assert_error (error, PL_ERROR, PL_ERROR_FORMAT);
      g_test_message ("%s = %s: %s", cases[i].member, cases[i].value, error->message);
      g_assert_nonnull (strstr (error->message, cases[i].message));
    }

  /* A missing member is named; a matrix cell of the wrong type gives its place. */
  g_autoptr(JsonNode) node = parse_json (json);
  g_autoptr(GError) error = NULL;
  json_object_remove_member (json_node_get_object (node), "matrix");
  g_assert_null (pl_result_from_json_node (node, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "no “matrix” member"));
  g_clear_error (&error);

  g_autoptr(JsonNode) node2 = parse_json (json);
  JsonArray *row = json_array_get_array_element (
      json_object_get_array_member (json_node_get_object (node2), "matrix"), 2);
  json_array_remove_element (row, 4);
  json_array_add_string_element (row, "x");
  g_assert_null (pl_result_from_json_node (node2, &error));
  g_assert_nonnull (strstr (error->message, "layer 2, position 10"));
  g_clear_error (&error);

  g_autoptr(JsonNode) array = parse_json ("[1, 2]");
  g_assert_null (pl_result_from_json_node (array, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_FORMAT);
}

/* A minimal RFC 4180 reader: the fields of every record. */
static GPtrArray *
read_csv (const char *s)
{
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  GPtrArray *rec = g_ptr_array_new_with_free_func (g_free);
  GString *field = g_string_new (NULL);

  while (*s)
    {
      if (*s == '"')
        {
          for (s++; !(s[0] == '"' && s[1] != '"'); s++)
            {
              g_assert_true (*s != '\0');
              if (s[0] == '"')
                s++;
              g_string_append_c (field, *s);
            }
          s++;
        }
      else if (*s == ',')
        {
          g_ptr_array_add (rec, g_strdup (field->str));
          g_string_truncate (field, 0);
          s++;
        }
      else if (s[0] == '\r' && s[1] == '\n')
        {
          g_ptr_array_add (rec, g_strdup (field->str));
          g_string_truncate (field, 0);
          g_ptr_array_add (records, rec);
          rec = g_ptr_array_new_with_free_func (g_free);
          s += 2;
        }
      else
        {
          g_assert_true (*s != '"' && *s != '\n' && *s != '\r');
          g_string_append_c (field, *s++);
        }
    }
  g_assert_cmpuint (rec->len, ==, 0);   /* the last record ends with CRLF too */
  g_ptr_array_unref (rec);
  g_string_free (field, TRUE);
  return records;
}

static void
test_csv_quoting (void)
{
  const char *text = "He said, \"no\"\nthen left";
  g_autoptr(PlSweepResult) r = pl_fixture_result (2, text, text, " Jones", " Smith");
  g_autofree char *csv = pl_result_to_csv (r, NULL);
  PlPrompt *p = &r->inputs->corrupted;

  g_test_message ("%s", csv);
  g_assert_true (g_str_has_prefix (csv, "layer,position,token,value\r\n"));
  g_assert_nonnull (strstr (csv, "\",\""));          /* the comma token, quoted */
  g_assert_nonnull (strstr (csv, "\" \"\"\""));       /* ' "' quoted, quote doubled */

  g_autoptr(GPtrArray) records = read_csv (csv);
  g_assert_cmpuint (records->len, ==, 1 + 2 * p->n_tokens);
  for (int l = 0; l < 2; l++)
    for (int i = 0; i < p->n_tokens; i++)
      {
        GPtrArray *rec = records->pdata[1 + l * p->n_tokens + i];
        g_assert_cmpuint (rec->len, ==, 4);
        g_assert_cmpint (atoi (rec->pdata[0]), ==, l);
        g_assert_cmpint (atoi (rec->pdata[1]), ==, i);
        g_assert_cmpstr (rec->pdata[2], ==, p->pieces[i]);
        g_assert_true ((float) g_ascii_strtod (rec->pdata[3], NULL)
                       == r->matrix[l * p->n_tokens + i]);
      }
}

static void
test_csv_nan (void)
{
  g_autoptr(PlSweepResult) r = pl_fixture_result (1, MICHELLE_CLEAN, MICHELLE_CORRUPT,
                                                  " Jones", " Smith");
  r->matrix[1] = NAN;
  g_autofree char *csv = pl_result_to_csv (r, NULL);

  g_assert_nonnull (strstr (csv, "\r\n0,1,\" Jones/ Smith\",\r\n"));   /* empty value */
}

static void
test_atomic_write (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("pl-result-io-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *path = g_build_filename (dir, "out.json", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(PlSweepResult) r = pl_fixture_result (2, MICHELLE_CLEAN, MICHELLE_CORRUPT,
                                                  " Jones", " Smith");

  g_assert_true (pl_write_file_atomic (path, "old", 3, &error));
  g_assert_no_error (error);
  g_assert_true (pl_result_save_json (r, path, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_true (g_str_has_prefix (contents, "{\n  \"format\": \"patchlens-sweep\""));

  /* Nothing but the file in the folder: no temporary left behind. */
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_assert_cmpstr (g_dir_read_name (d), ==, "out.json");
  g_assert_null (g_dir_read_name (d));

  /* A folder that does not exist: PL_ERROR_IO naming the path and the reason. */
  g_assert_false (pl_result_save_csv (r, "/nonexistent/dir/out.csv", &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_IO);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "/nonexistent/dir/out.csv"));
  g_assert_nonnull (strstr (error->message, g_strerror (ENOENT)));
  g_clear_error (&error);

  /* A path that is a folder: refused, the folder untouched. */
  g_assert_false (pl_write_file_atomic (dir, "x", 1, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_IO);
  g_assert_true (g_file_test (dir, G_FILE_TEST_IS_DIR));

  g_unlink (path);
  g_rmdir (dir);
}

/* A head result (layer x position x head here) round-trips with its direction and axes;
 * a file from before head sites (no direction, no axes) reads as denoise, layer x
 * position; axes that do not fit the site are refused. */
static void
test_json_heads (void)
{
  g_autoptr(PlSweepResult) r = pl_fixture_result (3, MICHELLE_CLEAN, MICHELLE_CORRUPT,
                                                  " Jones", " Smith");
  g_autoptr(GError) error = NULL;
  gsize n;

  r->site = PL_SITE_HEAD_PATTERN;
  r->direction = PL_DIRECTION_NOISE;
  r->by_position = TRUE;
  r->n_heads = 4;
  n = pl_sweep_result_n_cells (r);
  g_assert_cmpuint (n, ==, 3 * 11 * 4);
  r->matrix = g_renew (float, r->matrix, n);
  for (gsize i = 0; i < n; i++)
    r->matrix[i] = i * 0.25f - 7;
  g_autofree char *json = pl_result_to_json (r, NULL);
  g_assert_nonnull (strstr (json, "\"direction\": \"noise\""));
  g_autoptr(JsonNode) node = parse_json (json);
  JsonObject *o = json_node_get_object (node);
  JsonArray *m = json_object_get_array_member (o, "matrix");
  /* matrix[l][p][h] is cell (l T + p) H + h */
  g_assert_cmpfloat (json_array_get_double_element (json_array_get_array_element (
      json_array_get_array_element (m, 2), 5), 3), ==, r->matrix[(2 * 11 + 5) * 4 + 3]);
  g_autoptr(PlSweepResult) back = pl_result_from_json_node (node, &error);
  g_assert_no_error (error);
  g_assert_true (back->by_position && back->direction == PL_DIRECTION_NOISE);
  g_assert_cmpint (back->n_heads, ==, 4);
  g_assert_cmpmem (back->matrix, n * sizeof (float), r->matrix, n * sizeof (float));
  g_autofree char *json2 = pl_result_to_json (back, NULL);
  g_assert_cmpstr (json, ==, json2);

  /* Axes that do not fit the site. */
  json_object_set_member (o, "axes", parse_json ("[\"layer\", \"position\"]"));
  g_assert_null (pl_result_from_json_node (node, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "do not fit its site head_pattern"));
  g_clear_error (&error);

  /* An old block-site file. */
  g_autoptr(PlSweepResult) old = pl_fixture_result (2, MICHELLE_CLEAN, MICHELLE_CORRUPT,
                                                    " Jones", " Smith");
  g_autofree char *old_json = pl_result_to_json (old, NULL);
  g_autoptr(JsonNode) old_node = parse_json (old_json);
  json_object_remove_member (json_node_get_object (old_node), "direction");
  json_object_remove_member (json_node_get_object (old_node), "axes");
  json_object_remove_member (json_node_get_object (old_node), "heads");
  g_autoptr(PlSweepResult) old_back = pl_result_from_json_node (old_node, &error);
  g_assert_no_error (error);
  g_assert_true (old_back->direction == PL_DIRECTION_DENOISE && !old_back->by_position);
  g_assert_cmpstr (pl_sweep_result_axes (old_back)[1], ==, "position");
  g_assert_cmpmem (old_back->matrix, 2 * 11 * sizeof (float), old->matrix,
                   2 * 11 * sizeof (float));
}

/* Every Export Data picks the format by the name's extension, in any case. */
static void
test_data_format (void)
{
  static const struct { const char *path; int format; } cases[] = {
    { "a.json", PL_DATA_JSON }, { "dir/B.JSON", PL_DATA_JSON }, { "x.Csv", PL_DATA_CSV },
    { "a.csv.json", PL_DATA_JSON }, { "report.pdf", -1 }, { "json", -1 }, { "a.jsonl", -1 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      PlDataFormat format = -1;
      gboolean ok = pl_data_format_from_path (cases[i].path, &format, &error);

      g_assert_cmpint (ok, ==, cases[i].format >= 0);
      if (ok)
        g_assert_cmpint (format, ==, cases[i].format);
      else
        {
          g_assert_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT);
          g_assert_nonnull (strstr (error->message, ".csv or .json"));
        }
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Patchlens/ResultIO/json-round-trip", test_json_round_trip);
  g_test_add_func ("/Patchlens/ResultIO/json-layout", test_json_layout);
  g_test_add_func ("/Patchlens/ResultIO/json-floats-exact", test_json_floats_exact);
  g_test_add_func ("/Patchlens/ResultIO/json-strict", test_json_strict);
  g_test_add_func ("/Patchlens/ResultIO/json-heads", test_json_heads);
  g_test_add_func ("/Patchlens/ResultIO/csv-quoting", test_csv_quoting);
  g_test_add_func ("/Patchlens/ResultIO/csv-nan", test_csv_nan);
  g_test_add_func ("/Patchlens/ResultIO/atomic-write", test_atomic_write);
  g_test_add_func ("/Patchlens/ResultIO/data-format", test_data_format);
  return g_test_run ();
}
