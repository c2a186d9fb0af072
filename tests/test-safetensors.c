/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-safetensors.c: the safetensors reader on good files (F32, F16, BF16, metadata,
 * mapped from disk) and on a table of malformed ones, each of which must give
 * PL_ERROR_FORMAT with a message naming the tensor or the reason.
 */
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "pl-error.h"
#include "pl-safetensors.h"

/* ---- building files ---- */

/* 8-byte little-endian length, the header, then data_len bytes of pattern i & 0xff. */
static GByteArray *
build_file (const char *header,
            gsize       header_len,
            gsize       data_len)
{
  GByteArray *b = g_byte_array_new ();
  guint8 len[8];

  for (int i = 0; i < 8; i++)
    len[i] = (guint8) ((guint64) header_len >> (8 * i));
  g_byte_array_append (b, len, 8);
  g_byte_array_append (b, (const guint8 *) header, (guint) header_len);
  for (gsize i = 0; i < data_len; i++)
    {
      guint8 v = (guint8) i;
      g_byte_array_append (b, &v, 1);
    }
  return b;
}

/* Parses a file made of header + data_len bytes; expects failure, returns the error. */
static GError *
parse_bad (const char *header,
           gsize       data_len)
{
  g_autoptr(GByteArray) b = build_file (header, strlen (header), data_len);
  GError *error = NULL;
  PlSafetensors *st = pl_safetensors_parse (b->data, b->len, "bad.safetensors", &error);

  g_assert_null (st);
  g_assert_error (error, PL_ERROR, PL_ERROR_FORMAT);
  g_assert_true (g_str_has_prefix (error->message, "bad.safetensors: "));
  return error;
}

/* ---- good files ---- */

/* Tensors listed out of offset order, three dtypes, a scalar and metadata. */
static const char good_header[] =
  "{\"b\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[24,32]},"
  "\"__metadata__\":{\"format\":\"pt\",\"note\":\"tiny\"},"
  "\"a.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
  "\"c\":{\"dtype\":\"BF16\",\"shape\":[],\"data_offsets\":[32,34]}}   ";

static void
check_good (PlSafetensors *st,
            const guint8  *data)
{
  const PlTensorInfo *a, *b, *c;

  g_assert_cmpuint (pl_safetensors_n_tensors (st), ==, 3);
  /* in offset order */
  a = pl_safetensors_tensor (st, 0);
  b = pl_safetensors_tensor (st, 1);
  c = pl_safetensors_tensor (st, 2);
  g_assert_cmpstr (a->name, ==, "a.weight");
  g_assert_cmpstr (b->name, ==, "b");
  g_assert_cmpstr (c->name, ==, "c");
  g_assert_true (pl_safetensors_find (st, "a.weight") == a);
  g_assert_true (pl_safetensors_find (st, "c") == c);
  g_assert_null (pl_safetensors_find (st, "__metadata__"));
  g_assert_null (pl_safetensors_find (st, "nope"));

  g_assert_cmpint (a->dtype, ==, PL_DTYPE_F32);
  g_assert_cmpint (a->n_dims, ==, 2);
  g_assert_cmpint (a->shape[0], ==, 2);
  g_assert_cmpint (a->shape[1], ==, 3);
  g_assert_cmpuint (a->n_elements, ==, 6);
  g_assert_cmpuint (a->begin, ==, 0);
  g_assert_cmpuint (a->end, ==, 24);
  g_assert_cmpint (b->dtype, ==, PL_DTYPE_F16);
  g_assert_cmpuint (b->n_elements, ==, 4);
  g_assert_cmpint (c->dtype, ==, PL_DTYPE_BF16);
  g_assert_cmpint (c->n_dims, ==, 0);
  g_assert_cmpuint (c->n_elements, ==, 1);

  /* zero copy: the data pointers are into the given bytes */
  g_assert_true (pl_safetensors_data (st, a) == data);
  g_assert_true (pl_safetensors_data (st, c) == data + 32);
  g_assert_cmpuint (pl_safetensors_data (st, b)[0], ==, 24);

  g_assert_cmpstr (pl_safetensors_metadata (st, "format"), ==, "pt");
  g_assert_cmpstr (pl_safetensors_metadata (st, "note"), ==, "tiny");
  g_assert_null (pl_safetensors_metadata (st, "missing"));
}

static void
test_good_memory (void)
{
  g_autoptr(GByteArray) b = build_file (good_header, strlen (good_header), 34);
  g_autoptr(GError) error = NULL;
  g_autoptr(PlSafetensors) st = pl_safetensors_parse (b->data, b->len, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (st);
  check_good (st, b->data + 8 + strlen (good_header));
  g_assert_cmpuint (pl_safetensors_file_size (st), ==, b->len);
}

/* A file on disk is mapped; its data are read in place. */
static void
test_good_file (void)
{
  g_autoptr(GByteArray) b = build_file (good_header, strlen (good_header), 34);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("pl-st-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "model.safetensors", NULL);
  g_autoptr(PlSafetensors) st = NULL;
  const PlTensorInfo *b_info;

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (path, (const char *) b->data, b->len, &error));
  st = pl_safetensors_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pl_safetensors_n_tensors (st), ==, 3);
  b_info = pl_safetensors_find (st, "b");
  g_assert_nonnull (b_info);
  g_assert_cmpmem (pl_safetensors_data (st, b_info), 8,
                   b->data + 8 + strlen (good_header) + 24, 8);
  g_assert_cmpuint (pl_safetensors_file_size (st), ==, b->len);
  g_clear_pointer (&st, pl_safetensors_free);   /* unmaps before the file goes */
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* No tensors at all, and empty tensors sharing an offset, are valid. */
static void
test_empty_and_zero_size (void)
{
  const char *empty = "{}";
  const char *zeros =
    "{\"z1\":{\"dtype\":\"F32\",\"shape\":[0,5],\"data_offsets\":[0,0]},"
    "\"x\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[0,3]},"
    "\"z0\":{\"dtype\":\"I64\",\"shape\":[0],\"data_offsets\":[0,0]}}";
  g_autoptr(GByteArray) b1 = build_file (empty, strlen (empty), 0);
  g_autoptr(GByteArray) b2 = build_file (zeros, strlen (zeros), 3);
  g_autoptr(GError) error = NULL;
  g_autoptr(PlSafetensors) st1 = pl_safetensors_parse (b1->data, b1->len, NULL, &error);
  g_autoptr(PlSafetensors) st2 = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (pl_safetensors_n_tensors (st1), ==, 0);
  st2 = pl_safetensors_parse (b2->data, b2->len, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pl_safetensors_n_tensors (st2), ==, 3);
  g_assert_cmpstr (pl_safetensors_tensor (st2, 0)->name, ==, "z0");
  g_assert_cmpstr (pl_safetensors_tensor (st2, 1)->name, ==, "z1");
  g_assert_cmpuint (pl_safetensors_tensor (st2, 1)->n_elements, ==, 0);
  g_assert_cmpstr (pl_safetensors_tensor (st2, 2)->name, ==, "x");
}

static void
test_dtypes (void)
{
  g_assert_cmpuint (pl_dtype_size (PL_DTYPE_F32), ==, 4);
  g_assert_cmpuint (pl_dtype_size (PL_DTYPE_F16), ==, 2);
  g_assert_cmpuint (pl_dtype_size (PL_DTYPE_BF16), ==, 2);
  g_assert_cmpuint (pl_dtype_size (PL_DTYPE_F64), ==, 8);
  g_assert_cmpuint (pl_dtype_size (PL_DTYPE_BOOL), ==, 1);
  g_assert_cmpstr (pl_dtype_to_string (PL_DTYPE_BF16), ==, "BF16");
  g_assert_cmpstr (pl_dtype_to_string (PL_DTYPE_I16), ==, "I16");
}

/* ---- framing errors ---- */

static void
test_truncated (void)
{
  static const guint8 five[5] = { 1, 0, 0, 0, 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error2 = NULL;
  g_autoptr(GByteArray) b = build_file (good_header, strlen (good_header), 34);

  g_assert_null (pl_safetensors_parse (five, sizeof five, "t.safetensors", &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "t.safetensors: the file is 5 bytes, too short"));

  /* cut in the middle of the data: the last tensor overruns */
  g_assert_null (pl_safetensors_parse (b->data, b->len - 3, "t.safetensors", &error2));
  g_assert_error (error2, PL_ERROR, PL_ERROR_FORMAT);
  g_assert_nonnull (strstr (error2->message, "tensor 'b' ends at byte 32 but the data buffer has 31 bytes"));
}

static void
test_header_beyond_file (void)
{
  g_autoptr(GByteArray) b = build_file ("{}", 2, 0);
  g_autoptr(GError) error = NULL;

  b->data[0] = 200;   /* claims a 200-byte header in a 10-byte file */
  g_assert_null (pl_safetensors_parse (b->data, b->len, NULL, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_FORMAT);
  g_assert_cmpstr (error->message, ==, "<buffer>: the header length 200 goes beyond the "
                   "end of the file (10 bytes); the file is truncated or not a safetensors file");
}

static void
test_huge_header (void)
{
  g_autoptr(GByteArray) b = build_file ("{}", 2, 0);
  g_autoptr(GError) error = NULL;

  b->data[5] = 1;   /* 2^40 + 2 */
  g_assert_null (pl_safetensors_parse (b->data, b->len, NULL, &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "above the limit of 100000000 bytes"));
}

static void
test_missing_file (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (pl_safetensors_open ("/nonexistent/model.safetensors", &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/nonexistent/model.safetensors"));
}

/* The message the brief gives, word for word. */
static void
test_out_of_range_message (void)
{
  const char *h =
    "{\"h.0.attn.c_attn.weight\":{\"dtype\":\"F32\",\"shape\":[2250],\"data_offsets\":[0,9000]}}";
  g_autoptr(GByteArray) b = build_file (h, strlen (h), 8000);
  g_autoptr(GError) error = NULL;

  g_assert_null (pl_safetensors_parse (b->data, b->len, "model.safetensors", &error));
  g_assert_error (error, PL_ERROR, PL_ERROR_FORMAT);
  g_assert_cmpstr (error->message, ==, "model.safetensors: tensor 'h.0.attn.c_attn.weight' "
                   "ends at byte 9000 but the data buffer has 8000 bytes");
}

static void
test_invalid_utf8_and_nul (void)
{
  const char bad_utf8[] = "{\"\xff\":{}}";
  const char with_nul[] = "{\"a\0\":{}}";
  g_autoptr(GError) e1 = parse_bad (bad_utf8, 0);
  g_autoptr(GByteArray) b = build_file (with_nul, sizeof with_nul - 1, 0);
  g_autoptr(GError) e2 = NULL;

  g_assert_nonnull (strstr (e1->message, "not valid UTF-8"));
  g_assert_null (pl_safetensors_parse (b->data, b->len, NULL, &e2));
  g_assert_error (e2, PL_ERROR, PL_ERROR_FORMAT);
  g_assert_nonnull (strstr (e2->message, "not valid UTF-8"));
}

/* ---- the table of malformed headers ---- */

typedef struct {
  const char *path;
  const char *header;
  gsize       data_len;
  const char *expect;   /* must appear in the message */
} BadCase;

#define F32_4(off0, off1) "{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[" #off0 "," #off1 "]}"

static const BadCase bad_cases[] = {
  { "not-json", "{not json", 0, "the header is not valid JSON" },
  { "not-object-array", "[1, 2]", 0, "not a JSON object" },
  { "not-object-string", "\"abc\"", 0, "not a JSON object" },
  { "empty-header", "", 0, "not a JSON object" },
  { "trailing-text", "{} {}", 0, "text after its JSON object" },
  { "comment", "{/* hi */}", 0, "unexpected character '/'" },
  { "single-quotes", "{'a': 1}", 0, "unexpected character '''" },
  { "hex-number", "{\"a\":{\"dtype\":\"U8\",\"shape\":[0x4],\"data_offsets\":[0,4]}}", 4,
    "unexpected character 'x'" },
  { "too-deep", "{\"a\":[[[1]]]}", 0, "nests deeper" },
  { "huge-number", "{\"a\":{\"dtype\":\"U8\",\"shape\":[1234567890123456789012],"
    "\"data_offsets\":[0,4]}}", 4, "more than 18 digits" },
  { "overlap", "{\"a\":" F32_4 (0, 16) ",\"b\":" F32_4 (8, 24) "}", 24,
    "tensor 'b' (bytes 8-24) overlaps tensor 'a' (bytes 0-16)" },
  { "out-of-range", "{\"a\":" F32_4 (0, 16) ",\"far\":" F32_4 (100, 116) "}", 32,
    "tensor 'far' ends at byte 116 but the data buffer has 32 bytes" },
  { "hole", "{\"a\":" F32_4 (0, 16) ",\"b\":" F32_4 (20, 36) "}", 36,
    "hole of 4 unused bytes before tensor 'b'" },
  { "hole-at-start", "{\"a\":" F32_4 (8, 24) "}", 24, "hole of 8 unused bytes before tensor 'a'" },
  { "buffer-longer", "{\"a\":" F32_4 (0, 16) "}", 20,
    "the data buffer has 20 bytes but the tensors use only 16" },
  { "buffer-shorter", "{\"a\":" F32_4 (0, 16) "}", 12,
    "tensor 'a' ends at byte 16 but the data buffer has 12 bytes" },
  { "no-tensors-extra-data", "{}", 4, "the tensors use only 0" },
  { "wrong-byte-size", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}",
    20, "tensor 'w' has shape [2, 3] of F32, which takes 24 bytes, but its data_offsets [0, 20] "
    "span 20 bytes" },
  { "wrong-byte-size-bf16", "{\"w\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[0,16]}}",
    16, "tensor 'w' has shape [4] of BF16, which takes 8 bytes" },
  { "unknown-dtype", "{\"q\":{\"dtype\":\"F8_E4M3\",\"shape\":[4],\"data_offsets\":[0,4]}}", 4,
    "tensor 'q' has dtype 'F8_E4M3'" },
  { "dtype-not-string", "{\"q\":{\"dtype\":4,\"shape\":[4],\"data_offsets\":[0,4]}}", 4,
    "tensor 'q': 'dtype' must be a string" },
  { "negative-shape", "{\"n\":{\"dtype\":\"U8\",\"shape\":[-1],\"data_offsets\":[0,0]}}", 0,
    "tensor 'n': dimension 0 of 'shape' is not a non-negative integer" },
  { "fractional-shape", "{\"n\":{\"dtype\":\"U8\",\"shape\":[2, 2.5],\"data_offsets\":[0,5]}}", 5,
    "tensor 'n': dimension 1 of 'shape'" },
  { "string-shape", "{\"n\":{\"dtype\":\"U8\",\"shape\":[\"4\"],\"data_offsets\":[0,4]}}", 4,
    "tensor 'n': dimension 0 of 'shape'" },
  { "bool-shape", "{\"n\":{\"dtype\":\"U8\",\"shape\":[true],\"data_offsets\":[0,1]}}", 1,
    "tensor 'n': dimension 0 of 'shape'" },
  { "shape-not-array", "{\"n\":{\"dtype\":\"U8\",\"shape\":4,\"data_offsets\":[0,4]}}", 4,
    "tensor 'n': 'shape' must be an array" },
  { "too-many-dims", "{\"n\":{\"dtype\":\"U8\",\"shape\":[1,1,1,1,1,1,1,1,1],"
    "\"data_offsets\":[0,1]}}", 1, "tensor 'n' has 9 dimensions; at most 8" },
  { "shape-overflow", "{\"big\":{\"dtype\":\"U8\",\"shape\":[4294967296,4294967296,2],"
    "\"data_offsets\":[0,0]}}", 0, "tensor 'big' has shape [4294967296, 4294967296, 2], whose "
    "element count overflows 64 bits" },
  { "bytes-overflow", "{\"big\":{\"dtype\":\"F64\",\"shape\":[2147483648,2147483648],"
    "\"data_offsets\":[0,0]}}", 0, "tensor 'big' has shape [2147483648, 2147483648] of F64, whose byte size overflows" },
  { "offsets-reversed", "{\"r\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[8,4]}}", 8,
    "tensor 'r' has data_offsets [8, 4]: it begins after it ends" },
  { "offsets-one", "{\"r\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[4]}}", 4,
    "tensor 'r': 'data_offsets' must be two non-negative integers" },
  { "offsets-negative", "{\"r\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[-4,-4]}}", 0,
    "tensor 'r': 'data_offsets' must be two" },
  { "offsets-strings", "{\"r\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[\"0\",\"4\"]}}",
    4, "tensor 'r': 'data_offsets' must be two" },
  { "entry-not-object", "{\"e\":[1,2]}", 0, "tensor 'e': its entry is not a JSON object" },
  { "entry-missing-key", "{\"e\":{\"dtype\":\"U8\",\"shape\":[4]}}", 4,
    "tensor 'e': its entry must have exactly the keys" },
  { "entry-extra-key", "{\"e\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0],\"x\":1}}",
    0, "tensor 'e': its entry must have exactly the keys" },
  { "duplicate-name", "{\"a\":" F32_4 (0, 16) ",\"a\":" F32_4 (16, 32) "}", 32,
    "tensor 'a' appears twice in the header" },
  { "duplicate-name-escaped", "{\"ab\":" F32_4 (0, 16) ",\"a\\u0062\":" F32_4 (0, 16) "}", 16,
    "tensor 'ab' appears twice" },
  { "duplicate-key-in-entry", "{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[4],"
    "\"data_offsets\":[0,16]}}", 16, "tensor 'a': key 'dtype' appears twice" },
  { "metadata-not-object", "{\"__metadata__\":\"x\"}", 0, "'__metadata__' must be an object" },
  { "metadata-number", "{\"__metadata__\":{\"k\":1}}", 0, "'__metadata__' key 'k' is not a string" },
  { "metadata-null", "{\"__metadata__\":{\"k\":null}}", 0, "'__metadata__' key 'k' is not a string" },
  { "metadata-nested", "{\"__metadata__\":{\"k\":{}}}", 0, "'__metadata__' key 'k' is not a string" },
  { "metadata-duplicate", "{\"__metadata__\":{\"k\":\"a\",\"k\":\"b\"}}", 0,
    "__metadata__: key 'k' appears twice" },
  { "octal-escape", "{\"a\\200\":{}}", 0, "invalid escape in a string at byte 3" },
  { "nul-escape", "{\"a\\u0000b\":{}}", 0, "invalid escape" },
  { "lone-surrogate", "{\"a\\ud800\":{}}", 0, "invalid escape" },
  { "lone-low-surrogate", "{\"a\\udc00\":{}}", 0, "invalid escape" },
  { "short-unicode-escape", "{\"a\\u12\":{}}", 0, "invalid escape" },
  { "surrogate-pair-ok", "{\"\\ud83d\\ude00\":" F32_4 (0, 16) "}", 12,
    "tensor '\xf0\x9f\x98\x80' ends at byte 16" },
  { "control-char-in-string", "{\"a\nb\":{}}", 0, "control character inside a string" },
};

static void
test_bad_case (gconstpointer data)
{
  const BadCase *c = data;
  g_autoptr(GError) error = parse_bad (c->header, c->data_len);

  if (!strstr (error->message, c->expect))
    g_error ("message \"%s\" lacks \"%s\"", error->message, c->expect);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Patchlens/Safetensors/good-memory", test_good_memory);
  g_test_add_func ("/Patchlens/Safetensors/good-file", test_good_file);
  g_test_add_func ("/Patchlens/Safetensors/empty-and-zero-size", test_empty_and_zero_size);
  g_test_add_func ("/Patchlens/Safetensors/dtypes", test_dtypes);
  g_test_add_func ("/Patchlens/Safetensors/truncated", test_truncated);
  g_test_add_func ("/Patchlens/Safetensors/header-beyond-file", test_header_beyond_file);
  g_test_add_func ("/Patchlens/Safetensors/huge-header", test_huge_header);
  g_test_add_func ("/Patchlens/Safetensors/missing-file", test_missing_file);
  g_test_add_func ("/Patchlens/Safetensors/out-of-range-message", test_out_of_range_message);
  g_test_add_func ("/Patchlens/Safetensors/invalid-utf8-and-nul", test_invalid_utf8_and_nul);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/Patchlens/Safetensors/bad/", bad_cases[i].path, NULL);
      g_test_add_data_func (path, &bad_cases[i], test_bad_case);
    }
  return g_test_run ();
}
