/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-json-print.c: a small JSON printer over json-glib trees, with floats printed as
 * the shortest decimal that reads back as the same float and NaN as null.
 */
#include "config.h"

#include "pl-json-print.h"

#include <math.h>
#include <string.h>

void
pl_json_append_float (GString *s,
                      double   d)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  float f = (float) d;

  for (int p = 1; p <= 9; p++)
    {
      char fmt[8];
      g_snprintf (fmt, sizeof fmt, "%%.%dg", p);
      g_ascii_formatd (buf, sizeof buf, fmt, (double) f);
      if ((float) g_ascii_strtod (buf, NULL) == f)
        break;
    }
  g_string_append (s, buf);
  if (strpbrk (buf, ".eE") == NULL)
    g_string_append (s, ".0");
}

static void
append_number (GString *s,
               double   d)
{
  if (!isfinite (d) || fabs (d) > G_MAXFLOAT)
    g_string_append (s, "null");   /* JSON has no NaN; null reads back as NaN */
  else
    pl_json_append_float (s, d);
}

static void
append_string (GString    *s,
               const char *str)
{
  g_autofree char *valid = g_utf8_make_valid (str, -1);

  g_string_append_c (s, '"');
  for (const char *p = valid; *p; p++)
    {
      guchar c = (guchar) *p;
      switch (c)
        {
        case '"': g_string_append (s, "\\\""); break;
        case '\\': g_string_append (s, "\\\\"); break;
        case '\n': g_string_append (s, "\\n"); break;
        case '\r': g_string_append (s, "\\r"); break;
        case '\t': g_string_append (s, "\\t"); break;
        default:
          if (c < 0x20 || c == 0x7f)
            g_string_append_printf (s, "\\u%04x", c);
          else
            g_string_append_c (s, (char) c);
        }
    }
  g_string_append_c (s, '"');
}

static gboolean
is_scalar (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) || JSON_NODE_HOLDS_NULL (node);
}

static void append_node (GString *s, JsonNode *node, int indent);

static void
append_indent (GString *s,
               int      indent)
{
  g_string_append_c (s, '\n');
  for (int i = 0; i < indent; i++)
    g_string_append (s, "  ");
}

/* Arrays of plain values (ids, pieces, a matrix row) on one line; the rest one member
 * a line, indented by two spaces. */
static void
append_array (GString   *s,
              JsonArray *a,
              int        indent)
{
  guint n = json_array_get_length (a);
  gboolean flat = TRUE;

  for (guint i = 0; i < n && flat; i++)
    flat = is_scalar (json_array_get_element (a, i));
  g_string_append_c (s, '[');
  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append (s, flat ? ", " : ",");
      if (!flat)
        append_indent (s, indent + 1);
      append_node (s, json_array_get_element (a, i), indent + 1);
    }
  if (!flat && n > 0)
    append_indent (s, indent);
  g_string_append_c (s, ']');
}

static void
append_object (GString    *s,
               JsonObject *o,
               int         indent)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;
  gboolean first = TRUE;

  g_string_append_c (s, '{');
  json_object_iter_init_ordered (&iter, o);
  while (json_object_iter_next_ordered (&iter, &name, &member))
    {
      if (!first)
        g_string_append_c (s, ',');
      first = FALSE;
      append_indent (s, indent + 1);
      append_string (s, name);
      g_string_append (s, ": ");
      append_node (s, member, indent + 1);
    }
  if (!first)
    append_indent (s, indent);
  g_string_append_c (s, '}');
}

static void
append_node (GString  *s,
             JsonNode *node,
             int       indent)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      append_object (s, json_node_get_object (node), indent);
      break;
    case JSON_NODE_ARRAY:
      append_array (s, json_node_get_array (node), indent);
      break;
    case JSON_NODE_NULL:
      g_string_append (s, "null");
      break;
    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_INT64:
          g_string_append_printf (s, "%" G_GINT64_FORMAT, json_node_get_int (node));
          break;
        case G_TYPE_DOUBLE:
          append_number (s, json_node_get_double (node));
          break;
        case G_TYPE_BOOLEAN:
          g_string_append (s, json_node_get_boolean (node) ? "true" : "false");
          break;
        case G_TYPE_STRING:
          append_string (s, json_node_get_string (node));
          break;
        default:
          g_string_append (s, "null");
        }
      break;
    }
}

char *
pl_json_node_to_string (JsonNode *node,
                        gsize    *length)
{
  g_return_val_if_fail (node != NULL, NULL);
  GString *s = g_string_new (NULL);

  append_node (s, node, 0);
  g_string_append_c (s, '\n');
  if (length)
    *length = s->len;
  return g_string_free (s, FALSE);
}
