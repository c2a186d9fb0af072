/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-safetensors.c: a strict, zero-copy reader of .safetensors files.
 *
 * Sections: the header's framing; JSON parsing with duplicate detection; one
 * tensor entry; __metadata__; the layout of the data buffer; the public API. The
 * lexical check of the header text, before json-glib parses it, is in
 * pl-safetensors-scan.c.
 *
 * Every number from the file is distrusted: all sizes go through checked arithmetic,
 * and nothing is indexed before the whole header has been validated.
 */
#include "pl-safetensors-private.h"

#include <string.h>
#include <json-glib/json-glib.h>

#include "pl-error.h"

struct _PlSafetensors {
  GMappedFile  *mapped;     /* NULL when parsing caller-owned bytes */
  const guint8 *bytes;      /* the whole file */
  guint64       size;
  const guint8 *data;       /* the data buffer: bytes + 8 + header length; NULL when
                               only the header was parsed */
  guint64       data_offset; /* its offset in the file: 8 + header length */
  guint64       data_size;
  GArray       *tensors;    /* of PlTensorInfo, sorted by data offsets */
  GHashTable   *by_name;    /* name (owned by tensors) -> index + 1 */
  GHashTable   *metadata;   /* char * -> char *, both owned */
};

static const struct {
  const char *name;
  PlDtype     dtype;
  gsize       size;
} dtypes[] = {
  { "F32",  PL_DTYPE_F32,  4 },
  { "F16",  PL_DTYPE_F16,  2 },
  { "BF16", PL_DTYPE_BF16, 2 },
  { "F64",  PL_DTYPE_F64,  8 },
  { "I64",  PL_DTYPE_I64,  8 },
  { "I32",  PL_DTYPE_I32,  4 },
  { "I16",  PL_DTYPE_I16,  2 },
  { "I8",   PL_DTYPE_I8,   1 },
  { "U8",   PL_DTYPE_U8,   1 },
  { "BOOL", PL_DTYPE_BOOL, 1 },
};

/* "[768, 2304]" */
static char *
shape_to_string (const PlTensorInfo *t)
{
  GString *s = g_string_new ("[");

  for (int d = 0; d < t->n_dims; d++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, d ? ", " : "", t->shape[d]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

/* ---- framing ---- */

/* Reads the 8-byte header length and checks that the header fits in the file. */
static gboolean
read_header_length (const guint8 *bytes,
                    guint64       size,
                    const char   *file,
                    guint64      *header_len,
                    GError      **error)
{
  guint64 n;

  if (size < 8)
    {
      pl_set_file_error (error, PL_ERROR_FORMAT, file, "the file is %" G_GUINT64_FORMAT " bytes, too short for "
                    "a safetensors file (it starts with an 8-byte header length)", size);
      return FALSE;
    }
  n = pl_safetensors_header_length (bytes);
  if (n > PL_SAFETENSORS_MAX_HEADER)
    {
      pl_set_file_error (error, PL_ERROR_FORMAT, file, "the header length %" G_GUINT64_FORMAT " is above the "
                    "limit of %d bytes; this is not a safetensors file",
                    n, PL_SAFETENSORS_MAX_HEADER);
      return FALSE;
    }
  if (n > size - 8)
    {
      pl_set_file_error (error, PL_ERROR_FORMAT, file, "the header length %" G_GUINT64_FORMAT " goes beyond "
                    "the end of the file (%" G_GUINT64_FORMAT " bytes); the file is "
                    "truncated or not a safetensors file", n, size);
      return FALSE;
    }
  *header_len = n;
  return TRUE;
}

/* ---- JSON parsing with duplicate detection ---- */

/* JsonObject keeps the last of duplicate members silently, and the parser reports a
 * member only after adding it; so remember every (object, name) pair seen. The objects
 * all live until the parser is freed, so their addresses are unique keys. */
typedef struct {
  GHashTable *seen;        /* "<object address>/<name>" */
  JsonObject *dup_object;  /* the first object with a duplicate, or NULL */
  char       *dup_name;
} DupCheck;

static void
on_object_member (JsonParser *parser,
                  JsonObject *object,
                  const char *name,
                  DupCheck   *dc)
{
  char *key = g_strdup_printf ("%p/%s", (void *) object, name);

  if (g_hash_table_add (dc->seen, key) || dc->dup_object)
    return;
  dc->dup_object = object;
  dc->dup_name = g_strdup (name);
}

/* Names the duplicate found: a tensor, a metadata key, or a key inside an entry. */
static void
duplicate_error (JsonObject *root,
                 DupCheck   *dc,
                 const char *file,
                 GError    **error)
{
  g_autoptr(GList) members = json_object_get_members (root);

  if (dc->dup_object == root)
    {
      pl_set_file_error (error, PL_ERROR_FORMAT, file, "tensor '%s' appears twice in the header", dc->dup_name);
      return;
    }
  for (GList *l = members; l; l = l->next)
    {
      JsonNode *node = json_object_get_member (root, l->data);

      if (JSON_NODE_HOLDS_OBJECT (node) && json_node_get_object (node) == dc->dup_object)
        {
          pl_set_file_error (error, PL_ERROR_FORMAT, file, "%s%s%s: key '%s' appears twice",
                        strcmp (l->data, "__metadata__") ? "tensor '" : "",
                        (const char *) l->data,
                        strcmp (l->data, "__metadata__") ? "'" : "", dc->dup_name);
          return;
        }
    }
  pl_set_file_error (error, PL_ERROR_FORMAT, file, "key '%s' appears twice in the header", dc->dup_name);
}

/* Parses the header into a JSON object; returns the parser that owns it. */
static JsonParser *
parse_header_json (const char  *h,
                   gsize        n,
                   const char  *file,
                   JsonObject **root_out,
                   GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) json_error = NULL;
  DupCheck dc = { g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL), NULL, NULL };
  JsonObject *root = NULL;
  gboolean ok;

  g_signal_connect (parser, "object-member", G_CALLBACK (on_object_member), &dc);
  ok = json_parser_load_from_data (parser, h, (gssize) n, &json_error);
  g_hash_table_unref (dc.seen);
  if (!ok)
    {
      /* json-glib quotes what it choked on; the lexical check should keep that UTF-8 */
      g_autofree char *why = g_utf8_make_valid (json_error->message, -1);
      pl_set_file_error (error, PL_ERROR_FORMAT, file, "the header is not valid JSON: %s", why);
    }
  else if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    pl_set_file_error (error, PL_ERROR_FORMAT, file, "the header is not a JSON object");
  else
    root = json_node_get_object (json_parser_get_root (parser));

  if (root && dc.dup_object)
    {
      duplicate_error (root, &dc, file, error);
      root = NULL;
    }
  g_free (dc.dup_name);
  if (!root)
    return NULL;
  *root_out = root;
  return g_steal_pointer (&parser);
}

/* ---- one tensor entry ---- */

static gboolean
node_is_int (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64;
}

static gboolean
parse_dtype (JsonNode     *node,
             PlTensorInfo *t,
             const char   *file,
             GError      **error)
{
  const char *s;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      pl_set_file_error (error, PL_ERROR_FORMAT, file, "tensor '%s': 'dtype' must be a string", t->name);
      return FALSE;
    }
  s = json_node_get_string (node);
  for (gsize i = 0; i < G_N_ELEMENTS (dtypes); i++)
    if (strcmp (s, dtypes[i].name) == 0)
      {
        t->dtype = dtypes[i].dtype;
        return TRUE;
      }
  pl_set_file_error (error, PL_ERROR_FORMAT, file, "tensor '%s' has dtype '%s', which Patchlens does not "
                "read (it reads F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL)",
                t->name, s);
  return FALSE;
}

/* shape: an array of at most 8 non-negative integers; fills n_elements, checked. */
static gboolean
parse_shape (JsonNode     *node,
             PlTensorInfo *t,
             const char   *file,
             GError      **error)
{
  JsonArray *a;
  guint n;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      pl_set_file_error (error, PL_ERROR_FORMAT, file, "tensor '%s': 'shape' must be an array of integers", t->name);
      return FALSE;
    }
  a = json_node_get_array (node);
  n = json_array_get_length (a);
  if (n > PL_SAFETENSORS_MAX_DIMS)
    {
      pl_set_file_error (error, PL_ERROR_FORMAT, file, "tensor '%s' has %u dimensions; at most %d are supported",
                    t->name, n, PL_SAFETENSORS_MAX_DIMS);
      return FALSE;
    }
  t->n_dims = (int) n;
  for (guint d = 0; d < n; d++)
    {
      JsonNode *e = json_array_get_element (a, d);

      if (!node_is_int (e) || json_node_get_int (e) < 0)
        {
          pl_set_file_error (error, PL_ERROR_FORMAT, file, "tensor '%s': dimension %u of 'shape' is not a "
                        "non-negative integer", t->name, d);
          return FALSE;
        }
      t->shape[d] = json_node_get_int (e);
    }
  t->n_elements = 1;
  for (guint d = 0; d < n; d++)
    {
      if (!g_uint64_checked_mul (&t->n_elements, t->n_elements, (guint64) t->shape[d]))
        {
          g_autofree char *shape = shape_to_string (t);
          pl_set_file_error (error, PL_ERROR_FORMAT, file, "tensor '%s' has shape %s, whose element count "
                        "overflows 64 bits", t->name, shape);
          return FALSE;
        }
    }
  return TRUE;
}

/* data_offsets: exactly [begin, end], non-negative integers with begin <= end. */
static gboolean
parse_offsets (JsonNode     *node,
               PlTensorInfo *t,
               const char   *file,
               GError      **error)
{
  JsonArray *a = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
  JsonNode *b, *e;

  if (!a || json_array_get_length (a) != 2
      || !node_is_int (b = json_array_get_element (a, 0))
      || !node_is_int (e = json_array_get_element (a, 1))
      || json_node_get_int (b) < 0 || json_node_get_int (e) < 0)
    {
      pl_set_file_error (error, PL_ERROR_FORMAT, file, "tensor '%s': 'data_offsets' must be two non-negative "
                    "integers [begin, end]", t->name);
      return FALSE;
    }
  t->begin = (guint64) json_node_get_int (b);
  t->end = (guint64) json_node_get_int (e);
  if (t->begin > t->end)
    {
      pl_set_file_error (error, PL_ERROR_FORMAT, file, "tensor '%s' has data_offsets [%" G_GUINT64_FORMAT ", %"
                    G_GUINT64_FORMAT "]: it begins after it ends", t->name, t->begin, t->end);
      return FALSE;
    }
  return TRUE;
}

/* An entry is exactly {"dtype": .., "shape": .., "data_offsets": ..}. The tensor's
 * name is already in t->name. */
static gboolean
parse_tensor_entry (JsonNode     *node,
                    PlTensorInfo *t,
                    const char   *file,
                    GError      **error)
{
  JsonObject *o;
  JsonNode *dtype, *shape, *offsets;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      pl_set_file_error (error, PL_ERROR_FORMAT, file, "tensor '%s': its entry is not a JSON object", t->name);
      return FALSE;
    }
  o = json_node_get_object (node);
  dtype = json_object_get_member (o, "dtype");
  shape = json_object_get_member (o, "shape");
  offsets = json_object_get_member (o, "data_offsets");
  if (!dtype || !shape || !offsets || json_object_get_size (o) != 3)
    {
      pl_set_file_error (error, PL_ERROR_FORMAT, file, "tensor '%s': its entry must have exactly the keys "
                    "'dtype', 'shape' and 'data_offsets'", t->name);
      return FALSE;
    }
  return parse_dtype (dtype, t, file, error)
         && parse_shape (shape, t, file, error)
         && parse_offsets (offsets, t, file, error);
}

/* ---- __metadata__ ---- */

static gboolean
parse_metadata (JsonNode    *node,
                GHashTable  *metadata,
                const char  *file,
                GError     **error)
{
  JsonObject *o;
  g_autoptr(GList) members = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      pl_set_file_error (error, PL_ERROR_FORMAT, file, "'__metadata__' must be an object of strings");
      return FALSE;
    }
  o = json_node_get_object (node);
  members = json_object_get_members (o);
  for (GList *l = members; l; l = l->next)
    {
      JsonNode *v = json_object_get_member (o, l->data);

      if (!g_utf8_validate (l->data, -1, NULL))
        {
          pl_set_file_error (error, PL_ERROR_FORMAT, file, "'__metadata__' has a key that is not valid UTF-8");
          return FALSE;
        }
      if (!JSON_NODE_HOLDS_VALUE (v) || json_node_get_value_type (v) != G_TYPE_STRING
          || !g_utf8_validate (json_node_get_string (v), -1, NULL))
        {
          pl_set_file_error (error, PL_ERROR_FORMAT, file, "'__metadata__' key '%s' is not a string; metadata "
                        "maps strings to strings only", (const char *) l->data);
          return FALSE;
        }
      g_hash_table_insert (metadata, g_strdup (l->data), g_strdup (json_node_get_string (v)));
    }
  return TRUE;
}

/* ---- layout of the data buffer ---- */

static int
compare_offsets (gconstpointer a,
                 gconstpointer b)
{
  const PlTensorInfo *x = a, *y = b;

  if (x->begin != y->begin)
    return x->begin < y->begin ? -1 : 1;
  if (x->end != y->end)
    return x->end < y->end ? -1 : 1;
  return strcmp (x->name, y->name);   /* empty tensors: a stable order */
}

/* Size and bounds of one tensor, before the tensors are compared. */
static gboolean
check_tensor_bytes (const PlTensorInfo *t,
                    guint64             data_size,
                    const char         *file,
                    GError            **error)
{
  guint64 n_bytes;

  if (t->end > data_size)
    {
      pl_set_file_error (error, PL_ERROR_FORMAT, file, "tensor '%s' ends at byte %" G_GUINT64_FORMAT " but the "
                    "data buffer has %" G_GUINT64_FORMAT " bytes", t->name, t->end, data_size);
      return FALSE;
    }
  if (!g_uint64_checked_mul (&n_bytes, t->n_elements, pl_dtype_size (t->dtype)))
    {
      g_autofree char *shape = shape_to_string (t);
      pl_set_file_error (error, PL_ERROR_FORMAT, file, "tensor '%s' has shape %s of %s, whose byte size "
                    "overflows 64 bits", t->name, shape, pl_dtype_to_string (t->dtype));
      return FALSE;
    }
  if (n_bytes != t->end - t->begin)
    {
      g_autofree char *shape = shape_to_string (t);
      pl_set_file_error (error, PL_ERROR_FORMAT, file, "tensor '%s' has shape %s of %s, which takes %"
                    G_GUINT64_FORMAT " bytes, but its data_offsets [%" G_GUINT64_FORMAT
                    ", %" G_GUINT64_FORMAT "] span %" G_GUINT64_FORMAT " bytes",
                    t->name, shape, pl_dtype_to_string (t->dtype), n_bytes,
                    t->begin, t->end, t->end - t->begin);
      return FALSE;
    }
  return TRUE;
}

/* Sorted by offsets, tensors must tile [0, data_size) exactly. */
static gboolean
check_layout (GArray     *tensors,
              guint64     data_size,
              const char *file,
              GError    **error)
{
  guint64 pos = 0;
  const PlTensorInfo *prev = NULL;

  for (guint i = 0; i < tensors->len; i++)
    if (!check_tensor_bytes (&g_array_index (tensors, PlTensorInfo, i), data_size, file, error))
      return FALSE;
  g_array_sort (tensors, compare_offsets);

  for (guint i = 0; i < tensors->len; i++)
    {
      const PlTensorInfo *t = &g_array_index (tensors, PlTensorInfo, i);

      if (t->begin < pos)
        {
          pl_set_file_error (error, PL_ERROR_FORMAT, file, "tensor '%s' (bytes %" G_GUINT64_FORMAT "-%"
                        G_GUINT64_FORMAT ") overlaps tensor '%s' (bytes %" G_GUINT64_FORMAT
                        "-%" G_GUINT64_FORMAT ")", t->name, t->begin, t->end,
                        prev->name, prev->begin, prev->end);
          return FALSE;
        }
      if (t->begin > pos)
        {
          pl_set_file_error (error, PL_ERROR_FORMAT, file, "the data buffer has a hole of %" G_GUINT64_FORMAT
                        " unused bytes before tensor '%s' (bytes %" G_GUINT64_FORMAT "-%"
                        G_GUINT64_FORMAT ")", t->begin - pos, t->name, t->begin, t->end);
          return FALSE;
        }
      pos = t->end;
      prev = t;
    }
  if (pos != data_size)
    {
      pl_set_file_error (error, PL_ERROR_FORMAT, file, "the data buffer has %" G_GUINT64_FORMAT " bytes but the "
                    "tensors use only %" G_GUINT64_FORMAT "; %" G_GUINT64_FORMAT " bytes "
                    "after the last tensor belong to nothing", data_size, pos, data_size - pos);
      return FALSE;
    }
  return TRUE;
}

/* ---- the whole header ---- */

static void
tensor_info_clear (gpointer p)
{
  g_free (((PlTensorInfo *) p)->name);
}

/* Fills st->tensors and st->metadata from the parsed header. */
static gboolean
read_entries (PlSafetensors *st,
              JsonObject    *root,
              const char    *file,
              GError       **error)
{
  g_autoptr(GList) members = json_object_get_members (root);

  for (GList *l = members; l; l = l->next)
    {
      const char *name = l->data;
      JsonNode *node = json_object_get_member (root, name);
      PlTensorInfo t = { 0 };

      /* a lone surrogate (\ud800) still gets through json-glib as invalid UTF-8 */
      if (!g_utf8_validate (name, -1, NULL))
        {
          pl_set_file_error (error, PL_ERROR_FORMAT, file, "the header has a tensor name that is not valid UTF-8");
          return FALSE;
        }
      if (strcmp (name, "__metadata__") == 0)
        {
          if (!parse_metadata (node, st->metadata, file, error))
            return FALSE;
          continue;
        }
      t.name = g_strdup (name);
      g_array_append_val (st->tensors, t);   /* owns t.name from here */
      if (!parse_tensor_entry (node, &g_array_index (st->tensors, PlTensorInfo,
                                                     st->tensors->len - 1), file, error))
        return FALSE;
    }
  return check_layout (st->tensors, st->data_size, file, error);
}

static PlSafetensors *
safetensors_new (void)
{
  PlSafetensors *st = g_new0 (PlSafetensors, 1);

  st->tensors = g_array_new (FALSE, TRUE, sizeof (PlTensorInfo));
  g_array_set_clear_func (st->tensors, tensor_info_clear);
  st->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  st->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return st;
}

/* ---- public API ---- */

/* Parses the header at the start of bytes (head_len of them present) for a file of
 * file_size bytes. The data buffer is addressable only when the whole file is (whole). */
static PlSafetensors *
parse_file_head (const guint8  *bytes,
                 gsize          head_len,
                 guint64        file_size,
                 gboolean       whole,
                 const char    *file,
                 GError       **error)
{
  g_autoptr(PlSafetensors) st = NULL;
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *root = NULL;
  guint64 n;

  g_return_val_if_fail (head_len >= MIN (file_size, 8), NULL);
  if (!read_header_length (bytes, file_size, file, &n, error))
    return NULL;
  g_return_val_if_fail (head_len >= 8 + n, NULL);
  if (!pl_safetensors_scan_header ((const char *) bytes + 8, n, file, error)
      || !(parser = parse_header_json ((const char *) bytes + 8, n, file, &root, error)))
    return NULL;

  st = safetensors_new ();
  st->bytes = whole ? bytes : NULL;
  st->size = file_size;
  st->data = st->bytes ? bytes + 8 + n : NULL;
  st->data_offset = 8 + n;
  st->data_size = file_size - 8 - n;
  if (!read_entries (st, root, file, error))
    return NULL;

  for (guint i = 0; i < st->tensors->len; i++)
    g_hash_table_insert (st->by_name, g_array_index (st->tensors, PlTensorInfo, i).name,
                         GUINT_TO_POINTER (i + 1));
  return g_steal_pointer (&st);
}

PlSafetensors *
pl_safetensors_parse (const guint8  *bytes,
                      gsize          size,
                      const char    *name,
                      GError       **error)
{
  g_return_val_if_fail (bytes != NULL || size == 0, NULL);
  return parse_file_head (bytes, size, size, TRUE, name ? name : "<buffer>", error);
}

PlSafetensors *
pl_safetensors_parse_header (const guint8  *head,
                             gsize          head_len,
                             guint64        file_size,
                             const char    *name,
                             GError       **error)
{
  g_return_val_if_fail (head != NULL && head_len <= file_size, NULL);
  return parse_file_head (head, head_len, file_size, FALSE, name ? name : "<buffer>",
                          error);
}

guint64
pl_safetensors_header_length (const guint8 *first8)
{
  guint64 n = 0;

  for (int i = 7; i >= 0; i--)
    n = (n << 8) | first8[i];   /* little-endian */
  return n;
}

PlSafetensors *
pl_safetensors_open (const char  *path,
                     GError     **error)
{
  g_autoptr(GError) io_error = NULL;
  g_autofree char *display = g_filename_display_name (path);
  GMappedFile *mapped = g_mapped_file_new (path, FALSE, &io_error);
  PlSafetensors *st;

  if (!mapped)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_IO, "Could not open %s: %s",
                   display, io_error->message);
      return NULL;
    }
  st = pl_safetensors_parse ((const guint8 *) g_mapped_file_get_contents (mapped),
                             g_mapped_file_get_length (mapped), display, error);
  if (!st)
    {
      g_mapped_file_unref (mapped);
      return NULL;
    }
  st->mapped = mapped;
  return st;
}

void
pl_safetensors_free (PlSafetensors *st)
{
  if (!st)
    return;
  g_array_unref (st->tensors);
  g_hash_table_unref (st->by_name);
  g_hash_table_unref (st->metadata);
  g_clear_pointer (&st->mapped, g_mapped_file_unref);
  g_free (st);
}

guint
pl_safetensors_n_tensors (PlSafetensors *st)
{
  g_return_val_if_fail (st != NULL, 0);
  return st->tensors->len;
}

const PlTensorInfo *
pl_safetensors_tensor (PlSafetensors *st,
                       guint          i)
{
  g_return_val_if_fail (st != NULL && i < st->tensors->len, NULL);
  return &g_array_index (st->tensors, PlTensorInfo, i);
}

const PlTensorInfo *
pl_safetensors_find (PlSafetensors *st,
                     const char    *name)
{
  guint i;

  g_return_val_if_fail (st != NULL && name != NULL, NULL);
  i = GPOINTER_TO_UINT (g_hash_table_lookup (st->by_name, name));
  return i ? &g_array_index (st->tensors, PlTensorInfo, i - 1) : NULL;
}

const guint8 *
pl_safetensors_data (PlSafetensors      *st,
                     const PlTensorInfo *t)
{
  g_return_val_if_fail (st != NULL && t != NULL && st->data != NULL, NULL);
  return st->data + t->begin;
}

guint64
pl_safetensors_data_offset (PlSafetensors *st)
{
  g_return_val_if_fail (st != NULL, 0);
  return st->data_offset;
}

const char *
pl_safetensors_metadata (PlSafetensors *st,
                         const char    *key)
{
  g_return_val_if_fail (st != NULL && key != NULL, NULL);
  return g_hash_table_lookup (st->metadata, key);
}

gsize
pl_safetensors_file_size (PlSafetensors *st)
{
  g_return_val_if_fail (st != NULL, 0);
  return st->size;
}

gsize
pl_dtype_size (PlDtype dtype)
{
  for (gsize i = 0; i < G_N_ELEMENTS (dtypes); i++)
    if (dtypes[i].dtype == dtype)
      return dtypes[i].size;
  g_return_val_if_reached (0);
}

const char *
pl_dtype_to_string (PlDtype dtype)
{
  for (gsize i = 0; i < G_N_ELEMENTS (dtypes); i++)
    if (dtypes[i].dtype == dtype)
      return dtypes[i].name;
  g_return_val_if_reached ("?");
}

