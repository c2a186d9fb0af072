/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-pair-row.c: PlPairRow, a pair of the Pairs table as a GObject with notifying
 * properties, so the table's cells can bind to it.
 */
#include "config.h"

#include "pl-pair-row.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "pl-error.h"

enum {
  PROP_0,
  PROP_CLEAN,
  PROP_CORRUPTED,
  PROP_CLEAN_ANSWER,
  PROP_CORRUPTED_ANSWER,
  PROP_NAME,
  PROP_ERROR,
  N_PROPS
};
#define N_TEXTS 6   /* the texts, indexed by property - 1 */

static GParamSpec *props[N_PROPS];

struct _PlPairRow {
  GObject  parent_instance;
  char    *texts[N_TEXTS];   /* clean, corrupted, answers: never NULL; name, error: may be */
};

G_DEFINE_FINAL_TYPE (PlPairRow, pl_pair_row, G_TYPE_OBJECT)

static void
set_text (PlPairRow  *self,
          guint       prop,
          const char *text)
{
  char **slot = &self->texts[prop - 1];

  if (text == NULL && prop < PROP_NAME)
    text = "";
  if (g_strcmp0 (*slot, text) == 0)
    return;
  g_free (*slot);
  *slot = g_strdup (text);
  g_object_notify_by_pspec (G_OBJECT (self), props[prop]);
}

PlPairRow *
pl_pair_row_new (const char *clean,
                 const char *corrupted,
                 const char *clean_answer,
                 const char *corrupted_answer,
                 const char *name)
{
  return g_object_new (PL_TYPE_PAIR_ROW, "clean", clean, "corrupted", corrupted,
                       "clean-answer", clean_answer, "corrupted-answer", corrupted_answer,
                       "name", name, NULL);
}

static const char *
member (JsonObject *o,
        const char *name)
{
  JsonNode *n = json_object_get_member (o, name);

  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
         ? json_node_get_string (n) : NULL;
}

PlPairRow *
pl_pair_row_new_from_json (const char *line,
                           GError    **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonObject *o;

  if (!json_parser_load_from_data (parser, line, -1, NULL)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, PL_ERROR, PL_ERROR_FORMAT, _("the line is not a JSON object"));
      return NULL;
    }
  o = json_node_get_object (root);
  return pl_pair_row_new (member (o, "clean"), member (o, "corrupted"),
                          member (o, "clean_answer"), member (o, "corrupted_answer"),
                          member (o, "name"));
}

char *
pl_pair_row_to_json (PlPairRow *self)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  static const char *keys[] = { "clean", "corrupted", "clean_answer", "corrupted_answer" };
  g_autoptr(JsonNode) root = NULL;

  /* The order of `patchlens-cli pairs` and the shipped sets: the name first. */
  json_builder_begin_object (b);
  if (self->texts[PROP_NAME - 1] != NULL && *self->texts[PROP_NAME - 1] != '\0')
    {
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, self->texts[PROP_NAME - 1]);
    }
  for (int i = 0; i < 4; i++)
    {
      json_builder_set_member_name (b, keys[i]);
      json_builder_add_string_value (b, self->texts[i]);
    }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

const char *pl_pair_row_get_clean (PlPairRow *self) { return self->texts[0]; }
const char *pl_pair_row_get_corrupted (PlPairRow *self) { return self->texts[1]; }
const char *pl_pair_row_get_clean_answer (PlPairRow *self) { return self->texts[2]; }
const char *pl_pair_row_get_corrupted_answer (PlPairRow *self) { return self->texts[3]; }
const char *pl_pair_row_get_name (PlPairRow *self) { return self->texts[PROP_NAME - 1]; }
const char *pl_pair_row_get_error (PlPairRow *self) { return self->texts[PROP_ERROR - 1]; }

void
pl_pair_row_set_error (PlPairRow  *self,
                       const char *error)
{
  set_text (self, PROP_ERROR, error);
}

static void
pl_pair_row_get_property (GObject    *object,
                          guint       id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  g_value_set_string (value, PL_PAIR_ROW (object)->texts[id - 1]);
}

static void
pl_pair_row_set_property (GObject      *object,
                          guint         id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  set_text (PL_PAIR_ROW (object), id, g_value_get_string (value));
}

static void
pl_pair_row_finalize (GObject *object)
{
  PlPairRow *self = PL_PAIR_ROW (object);

  for (int i = 0; i < N_TEXTS; i++)
    g_free (self->texts[i]);
  G_OBJECT_CLASS (pl_pair_row_parent_class)->finalize (object);
}

static void
pl_pair_row_class_init (PlPairRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  static const char *names[] = { "clean", "corrupted", "clean-answer", "corrupted-answer",
                                 "name", "error" };

  object_class->get_property = pl_pair_row_get_property;
  object_class->set_property = pl_pair_row_set_property;
  object_class->finalize = pl_pair_row_finalize;
  for (int i = 0; i < N_TEXTS; i++)
    props[i + 1] = g_param_spec_string (names[i], NULL, NULL, i < 4 ? "" : NULL, rw);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
pl_pair_row_init (PlPairRow *self)
{
  for (int i = 0; i < 4; i++)
    self->texts[i] = g_strdup ("");
}
