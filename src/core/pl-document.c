/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-document.c: PlDocument, the experiment being edited: its fields as notifying
 * properties, the dirty and stale flags derived from them, saving and loading.
 */
#include "config.h"

#include "pl-document.h"

#include <json-glib/json-glib.h>
#include <string.h>

struct _PlDocument {
  GObject    parent_instance;
  char      *texts[PL_N_TEXTS];
  PlSite     site;
  PlMetric   metric;
  int        top_k;
  char      *model;
  PlShared  *result;       /* of PlSweepResult; NULL: none */
  char      *result_model; /* the model reference when the result was set */
  /* Sets of pairs (their section below). */
  PlDocumentMode mode;
  char      *pairs;        /* JSON Lines */
  char      *pairs_key;    /* pairs_key () of pairs: what a set result is compared with */
  PlShared  *set_result;   /* of PlSetResult; NULL: none */
  char      *set_result_model;   /* the model reference when the set result was set */
  char      *path;
  gboolean   dirty;
  gboolean   stale;
  PlDirection direction;   /* heads-app: the sweep's direction and granularity */
  gboolean   by_position;
};

G_DEFINE_FINAL_TYPE (PlDocument, pl_document, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CLEAN,              /* PROP_CLEAN + PlText */
  PROP_CORRUPTED,
  PROP_CLEAN_ANSWER,
  PROP_CORRUPTED_ANSWER,
  PROP_SITE,
  PROP_METRIC,
  PROP_TOP_K,
  PROP_MODEL,
  PROP_RESULT,
  PROP_PATH,
  PROP_DIRTY,
  PROP_STALE,
  PROP_DIRECTION,
  PROP_BY_POSITION,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

/* Sets of pairs: their own properties, installed after the others. */
enum {
  PROP_MODE = 1000,
  PROP_PAIRS,
  PROP_SET_RESULT,
  N_SET_PROPS_END
};
#define SET_PROP(id) set_props[(id) - PROP_MODE]
static GParamSpec *set_props[N_SET_PROPS_END - PROP_MODE];
static gboolean compute_set_stale (PlDocument *self);

/* ---- the derived flags ---- */

/* The direction always matters; the granularity only for a head site (block sites
 * have one shape whatever it says). */
static gboolean
sweep_shape_differs (PlDocument          *self,
                     const PlSweepResult *r)
{
  if (r->direction != self->direction)
    return TRUE;
  return pl_site_is_head (self->site) && !r->by_position != !self->by_position;
}

static gboolean
compute_stale (PlDocument *self)
{
  PlSweepResult *r = pl_document_get_result (self);
  const char *made[PL_N_TEXTS];

  if (self->mode == PL_DOCUMENT_PAIRS)
    return compute_set_stale (self);
  if (r == NULL || r->inputs == NULL)
    return FALSE;
  made[PL_TEXT_CLEAN] = r->inputs->clean.text;
  made[PL_TEXT_CORRUPTED] = r->inputs->corrupted.text;
  made[PL_TEXT_CLEAN_ANSWER] = r->inputs->clean_answer;
  made[PL_TEXT_CORRUPTED_ANSWER] = r->inputs->corrupted_answer;
  for (int i = 0; i < PL_N_TEXTS; i++)
    if (g_strcmp0 (self->texts[i], made[i] ? made[i] : "") != 0)
      return TRUE;
  /* Another model loaded since: the numbers are the other model's. */
  if (self->result_model != NULL && self->model != NULL &&
      strcmp (self->result_model, self->model) != 0)
    return TRUE;
  return r->site != self->site || r->metric != self->metric || sweep_shape_differs (self, r);
}

static void
update_stale (PlDocument *self)
{
  gboolean stale = compute_stale (self);

  if (stale != self->stale)
    {
      self->stale = stale;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STALE]);
    }
}

static void
set_dirty (PlDocument *self,
           gboolean    dirty)
{
  if (dirty != self->dirty)
    {
      self->dirty = dirty;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_DIRTY]);
    }
}

/* After an edit of a field a sweep depends on. */
static void
edited (PlDocument *self)
{
  update_stale (self);
  set_dirty (self, TRUE);
}

/* ---- fields ---- */

const char *
pl_document_get_text (PlDocument *self,
                      PlText      which)
{
  g_return_val_if_fail (PL_IS_DOCUMENT (self) && which < PL_N_TEXTS, "");
  return self->texts[which];
}

/* Replaces one text; TRUE (and notified) when it changed. */
static gboolean
replace_text (PlDocument *self,
              PlText      which,
              const char *text)
{
  if (text == NULL)
    text = "";
  if (g_strcmp0 (self->texts[which], text) == 0)
    return FALSE;
  g_free (self->texts[which]);
  self->texts[which] = g_strdup (text);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CLEAN + which]);
  return TRUE;
}

void
pl_document_set_text (PlDocument *self,
                      PlText      which,
                      const char *text)
{
  g_return_if_fail (PL_IS_DOCUMENT (self) && which < PL_N_TEXTS);
  if (replace_text (self, which, text))
    edited (self);
}

void
pl_document_set_texts (PlDocument *self,
                       const char *clean,
                       const char *corrupted,
                       const char *clean_answer,
                       const char *corrupted_answer)
{
  const char *t[PL_N_TEXTS] = { clean, corrupted, clean_answer, corrupted_answer };
  gboolean changed = FALSE;

  g_return_if_fail (PL_IS_DOCUMENT (self));
  g_object_freeze_notify (G_OBJECT (self));
  for (int i = 0; i < PL_N_TEXTS; i++)
    changed |= replace_text (self, i, t[i]);
  if (changed)
    edited (self);
  g_object_thaw_notify (G_OBJECT (self));
}

PlSite
pl_document_get_site (PlDocument *self)
{
  return self->site;
}

void
pl_document_set_site (PlDocument *self,
                      PlSite      site)
{
  g_return_if_fail (PL_IS_DOCUMENT (self) && (int) site >= 0 && site < PL_N_SITES);
  if (site == self->site)
    return;
  self->site = site;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_SITE]);
  edited (self);
}

PlMetric
pl_document_get_metric (PlDocument *self)
{
  return self->metric;
}

void
pl_document_set_metric (PlDocument *self,
                        PlMetric    metric)
{
  g_return_if_fail (PL_IS_DOCUMENT (self) && (int) metric >= 0 && metric < PL_N_METRICS);
  if (metric == self->metric)
    return;
  self->metric = metric;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_METRIC]);
  edited (self);
}

int
pl_document_get_top_k (PlDocument *self)
{
  return self->top_k;
}

void
pl_document_set_top_k (PlDocument *self,
                       int         k)
{
  g_return_if_fail (PL_IS_DOCUMENT (self) && k >= 1);
  if (k == self->top_k)
    return;
  self->top_k = k;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_TOP_K]);
  set_dirty (self, TRUE);   /* saved, but no sweep depends on it: not stale */
}

const char *
pl_document_get_model (PlDocument *self)
{
  return self->model;
}

void
pl_document_set_model (PlDocument *self,
                       const char *reference)
{
  g_return_if_fail (PL_IS_DOCUMENT (self));
  if (g_strcmp0 (reference, self->model) == 0)
    return;
  g_free (self->model);
  self->model = g_strdup (reference);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_MODEL]);
  update_stale (self);
}

PlDirection
pl_document_get_direction (PlDocument *self)
{
  return self->direction;
}

void
pl_document_set_direction (PlDocument  *self,
                           PlDirection  direction)
{
  g_return_if_fail (PL_IS_DOCUMENT (self) && (int) direction >= 0
                    && direction < PL_N_DIRECTIONS);
  if (direction == self->direction)
    return;
  self->direction = direction;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_DIRECTION]);
  edited (self);
}

gboolean
pl_document_get_by_position (PlDocument *self)
{
  return self->by_position;
}

void
pl_document_set_by_position (PlDocument *self,
                             gboolean    by_position)
{
  g_return_if_fail (PL_IS_DOCUMENT (self));
  by_position = !!by_position;
  if (by_position == self->by_position)
    return;
  self->by_position = by_position;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_BY_POSITION]);
  edited (self);
}

void
pl_document_set_sweep_defaults (PlDocument  *self,
                                PlDirection  direction,
                                gboolean     by_position)
{
  gboolean dirty = self->dirty;

  g_object_freeze_notify (G_OBJECT (self));
  pl_document_set_direction (self, direction);
  pl_document_set_by_position (self, by_position);
  set_dirty (self, dirty);
  g_object_thaw_notify (G_OBJECT (self));
}

void
pl_document_set_defaults (PlDocument *self,
                          PlSite      site,
                          PlMetric    metric,
                          int         k)
{
  gboolean dirty = self->dirty;

  g_object_freeze_notify (G_OBJECT (self));
  pl_document_set_site (self, site);
  pl_document_set_metric (self, metric);
  pl_document_set_top_k (self, k);
  set_dirty (self, dirty);
  g_object_thaw_notify (G_OBJECT (self));
}

/* ---- the result ---- */

static void
replace_result (PlDocument *self,
                PlShared   *result)
{
  if (result == self->result)
    {
      g_clear_pointer (&result, pl_shared_unref);   /* the caller's extra ref */
      return;
    }
  g_clear_pointer (&self->result, pl_shared_unref);
  self->result = result;
  g_free (self->result_model);
  self->result_model = result ? g_strdup (self->model) : NULL;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RESULT]);
  update_stale (self);
}

void
pl_document_set_result (PlDocument *self,
                        PlShared   *result)
{
  g_return_if_fail (PL_IS_DOCUMENT (self));
  replace_result (self, result);
  set_dirty (self, TRUE);
}

PlShared *
pl_document_get_shared_result (PlDocument *self)
{
  return self->result;
}

PlSweepResult *
pl_document_get_result (PlDocument *self)
{
  return self->result ? pl_shared_get (self->result) : NULL;
}

gboolean
pl_document_is_stale (PlDocument *self)
{
  return self->stale;
}

/* ---- sets of pairs ---- */

/* What decides a set's sweep, one pair after another: the four texts of each, with
 * separators no prompt holds. A line that is not a pair makes a key no result has. */
static void
append_pair_key (GString    *key,
                 const char *clean,
                 const char *corrupted,
                 const char *clean_answer,
                 const char *corrupted_answer)
{
  g_string_append_printf (key, "%s\x1f%s\x1f%s\x1f%s\x1e", clean ? clean : "\x01",
                          corrupted ? corrupted : "\x01", clean_answer ? clean_answer : "\x01",
                          corrupted_answer ? corrupted_answer : "\x01");
}

static const char *
member (JsonObject *o,
        const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;

  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
         ? json_node_get_string (n) : NULL;
}

static char *
pairs_key (const char *jsonl)
{
  g_auto(GStrv) lines = g_strsplit (jsonl, "\n", -1);
  GString *key = g_string_new (NULL);

  for (int i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonNode *root;
      JsonObject *o = NULL;

      if (g_strstrip (lines[i])[0] == '\0')
        continue;
      if (json_parser_load_from_data (parser, lines[i], -1, NULL)
          && (root = json_parser_get_root (parser)) != NULL && JSON_NODE_HOLDS_OBJECT (root))
        o = json_node_get_object (root);
      append_pair_key (key, member (o, "clean"), member (o, "corrupted"),
                       member (o, "clean_answer"), member (o, "corrupted_answer"));
    }
  return g_string_free (key, FALSE);
}

static char *
result_key (const PlSetResult *r)
{
  GString *key = g_string_new (NULL);

  for (int i = 0; i < r->n_pairs; i++)
    append_pair_key (key, r->pairs[i].clean, r->pairs[i].corrupted,
                     r->pairs[i].clean_answer, r->pairs[i].corrupted_answer);
  return g_string_free (key, FALSE);
}

static gboolean
compute_set_stale (PlDocument *self)
{
  PlSetResult *r = pl_document_get_set_result (self);
  g_autofree char *made = NULL;

  if (r == NULL || r->summary == NULL)
    return FALSE;
  if (self->set_result_model != NULL && self->model != NULL &&
      strcmp (self->set_result_model, self->model) != 0)
    return TRUE;
  if (r->summary->site != self->site || r->summary->metric != self->metric
      || sweep_shape_differs (self, r->summary))
    return TRUE;
  made = result_key (r);
  return strcmp (made, self->pairs_key) != 0;
}

PlDocumentMode
pl_document_get_mode (PlDocument *self)
{
  return self->mode;
}

void
pl_document_set_mode (PlDocument     *self,
                      PlDocumentMode  mode)
{
  g_return_if_fail (PL_IS_DOCUMENT (self) && (mode == PL_DOCUMENT_SINGLE ||
                                              mode == PL_DOCUMENT_PAIRS));
  if (mode == self->mode)
    return;
  self->mode = mode;
  g_object_notify_by_pspec (G_OBJECT (self), SET_PROP (PROP_MODE));
  update_stale (self);   /* now about the other result */
  set_dirty (self, TRUE);
}

const char *
pl_document_get_pairs (PlDocument *self)
{
  return self->pairs;
}

void
pl_document_set_pairs (PlDocument *self,
                       const char *jsonl)
{
  g_return_if_fail (PL_IS_DOCUMENT (self));
  if (jsonl == NULL)
    jsonl = "";
  if (strcmp (jsonl, self->pairs) == 0)
    return;
  g_free (self->pairs);
  self->pairs = g_strdup (jsonl);
  g_free (self->pairs_key);
  self->pairs_key = pairs_key (jsonl);
  g_object_notify_by_pspec (G_OBJECT (self), SET_PROP (PROP_PAIRS));
  edited (self);
}

static void
replace_set_result (PlDocument *self,
                    PlShared   *result)
{
  if (result == self->set_result)
    {
      g_clear_pointer (&result, pl_shared_unref);   /* the caller's extra ref */
      return;
    }
  g_clear_pointer (&self->set_result, pl_shared_unref);
  self->set_result = result;
  g_free (self->set_result_model);
  self->set_result_model = result ? g_strdup (self->model) : NULL;
  g_object_notify_by_pspec (G_OBJECT (self), SET_PROP (PROP_SET_RESULT));
  update_stale (self);
}

void
pl_document_set_set_result (PlDocument *self,
                            PlShared   *result)
{
  g_return_if_fail (PL_IS_DOCUMENT (self));
  replace_set_result (self, result);
  set_dirty (self, TRUE);
}

PlShared *
pl_document_get_shared_set_result (PlDocument *self)
{
  return self->set_result;
}

PlSetResult *
pl_document_get_set_result (PlDocument *self)
{
  return self->set_result ? pl_shared_get (self->set_result) : NULL;
}

/* ---- the file ---- */

const char *
pl_document_get_path (PlDocument *self)
{
  return self->path;
}

gboolean
pl_document_is_dirty (PlDocument *self)
{
  return self->dirty;
}

char *
pl_document_dup_basename (PlDocument *self)
{
  return self->path ? g_path_get_basename (self->path) : NULL;
}

/* path may be self->path itself: copy before freeing. */
static void
set_path (PlDocument *self,
          const char *path)
{
  char *copy = g_strdup (path);

  if (g_strcmp0 (copy, self->path) == 0)
    {
      g_free (copy);
      return;
    }
  g_free (self->path);
  self->path = copy;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PATH]);
}

PlExperiment *
pl_document_to_experiment (PlDocument *self)
{
  PlExperiment *e = pl_experiment_new ();
  char **slots[PL_N_TEXTS] = { &e->clean, &e->corrupted, &e->clean_answer,
                               &e->corrupted_answer };

  for (int i = 0; i < PL_N_TEXTS; i++)
    {
      g_free (*slots[i]);
      *slots[i] = g_strdup (self->texts[i]);
    }
  e->site = self->site;
  e->metric = self->metric;
  e->top_k = self->top_k;
  e->direction = self->direction;
  e->by_position = self->by_position;
  e->model = g_strdup (self->model);
  e->result = pl_document_get_result (self);
  e->pairs_mode = self->mode == PL_DOCUMENT_PAIRS;
  e->pairs = g_strdup (self->pairs);
  e->set_result = pl_document_get_set_result (self);
  return e;
}

gboolean
pl_document_save (PlDocument *self,
                  const char *path,
                  GError    **error)
{
  PlExperiment *e;
  gboolean ok;

  g_return_val_if_fail (PL_IS_DOCUMENT (self) && path != NULL, FALSE);
  e = pl_document_to_experiment (self);
  ok = pl_experiment_save (e, path, error);
  e->result = NULL;   /* borrowed */
  e->set_result = NULL;
  pl_experiment_free (e);
  if (!ok)
    return FALSE;
  set_path (self, path);
  set_dirty (self, FALSE);
  return TRUE;
}

void
pl_document_load (PlDocument   *self,
                  PlExperiment *e,
                  const char   *path)
{
  g_return_if_fail (PL_IS_DOCUMENT (self) && e != NULL);
  g_object_freeze_notify (G_OBJECT (self));
  pl_document_set_texts (self, e->clean, e->corrupted, e->clean_answer, e->corrupted_answer);
  pl_document_set_site (self, e->site);
  pl_document_set_metric (self, e->metric);
  pl_document_set_direction (self, e->direction);
  pl_document_set_by_position (self, e->by_position);
  if (e->top_k >= 1)
    pl_document_set_top_k (self, e->top_k);
  pl_document_set_model (self, e->model);
  replace_result (self, e->result ? pl_shared_new (g_steal_pointer (&e->result),
                                                   (GDestroyNotify) pl_sweep_result_free)
                                  : NULL);
  pl_document_set_pairs (self, e->pairs);
  replace_set_result (self, e->set_result
                            ? pl_shared_new (g_steal_pointer (&e->set_result),
                                             (GDestroyNotify) pl_set_result_free)
                            : NULL);
  pl_document_set_mode (self, e->pairs_mode ? PL_DOCUMENT_PAIRS : PL_DOCUMENT_SINGLE);
  set_path (self, path);
  set_dirty (self, FALSE);
  g_object_thaw_notify (G_OBJECT (self));
  pl_experiment_free (e);
}

/* ---- the set's properties ---- */

static gboolean
get_set_property (PlDocument *self,
                  guint       id,
                  GValue     *value)
{
  switch (id)
    {
    case PROP_MODE:       g_value_set_uint (value, self->mode); return TRUE;
    case PROP_PAIRS:      g_value_set_string (value, self->pairs); return TRUE;
    case PROP_SET_RESULT: g_value_set_pointer (value, pl_document_get_set_result (self)); return TRUE;
    default:              return FALSE;
    }
}

static gboolean
set_set_property (PlDocument   *self,
                  guint         id,
                  const GValue *value)
{
  switch (id)
    {
    case PROP_MODE:  pl_document_set_mode (self, g_value_get_uint (value)); return TRUE;
    case PROP_PAIRS: pl_document_set_pairs (self, g_value_get_string (value)); return TRUE;
    default:         return FALSE;
    }
}

static void
install_set_properties (GObjectClass *object_class)
{
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  SET_PROP (PROP_MODE) = g_param_spec_uint ("mode", NULL, NULL, 0, PL_DOCUMENT_PAIRS, 0, rw);
  SET_PROP (PROP_PAIRS) = g_param_spec_string ("pairs", NULL, NULL, "", rw);
  SET_PROP (PROP_SET_RESULT) = g_param_spec_pointer ("set-result", NULL, NULL, ro);
  for (int id = PROP_MODE; id < N_SET_PROPS_END; id++)
    g_object_class_install_property (object_class, id, SET_PROP (id));
}

/* ---- GObject ---- */

static void
pl_document_get_property (GObject    *object,
                          guint       id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  PlDocument *self = PL_DOCUMENT (object);

  if (get_set_property (self, id, value))
    return;
  switch (id)
    {
    case PROP_CLEAN: case PROP_CORRUPTED: case PROP_CLEAN_ANSWER: case PROP_CORRUPTED_ANSWER:
      g_value_set_string (value, self->texts[id - PROP_CLEAN]);
      break;
    case PROP_SITE:   g_value_set_uint (value, self->site); break;
    case PROP_METRIC: g_value_set_uint (value, self->metric); break;
    case PROP_TOP_K:  g_value_set_int (value, self->top_k); break;
    case PROP_MODEL:  g_value_set_string (value, self->model); break;
    case PROP_RESULT: g_value_set_pointer (value, pl_document_get_result (self)); break;
    case PROP_PATH:   g_value_set_string (value, self->path); break;
    case PROP_DIRTY:  g_value_set_boolean (value, self->dirty); break;
    case PROP_STALE:  g_value_set_boolean (value, self->stale); break;
    case PROP_DIRECTION:   g_value_set_uint (value, self->direction); break;
    case PROP_BY_POSITION: g_value_set_boolean (value, self->by_position); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
pl_document_set_property (GObject      *object,
                          guint         id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  PlDocument *self = PL_DOCUMENT (object);

  if (set_set_property (self, id, value))
    return;
  switch (id)
    {
    case PROP_CLEAN: case PROP_CORRUPTED: case PROP_CLEAN_ANSWER: case PROP_CORRUPTED_ANSWER:
      pl_document_set_text (self, id - PROP_CLEAN, g_value_get_string (value));
      break;
    case PROP_SITE:   pl_document_set_site (self, g_value_get_uint (value)); break;
    case PROP_METRIC: pl_document_set_metric (self, g_value_get_uint (value)); break;
    case PROP_TOP_K:  pl_document_set_top_k (self, g_value_get_int (value)); break;
    case PROP_MODEL:  pl_document_set_model (self, g_value_get_string (value)); break;
    case PROP_DIRECTION:
      pl_document_set_direction (self, g_value_get_uint (value));
      break;
    case PROP_BY_POSITION:
      pl_document_set_by_position (self, g_value_get_boolean (value));
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
pl_document_finalize (GObject *object)
{
  PlDocument *self = PL_DOCUMENT (object);

  for (int i = 0; i < PL_N_TEXTS; i++)
    g_free (self->texts[i]);
  g_free (self->model);
  g_clear_pointer (&self->result, pl_shared_unref);
  g_free (self->result_model);
  g_free (self->path);
  g_free (self->pairs);
  g_free (self->pairs_key);
  g_clear_pointer (&self->set_result, pl_shared_unref);
  g_free (self->set_result_model);
  G_OBJECT_CLASS (pl_document_parent_class)->finalize (object);
}

static void
pl_document_class_init (PlDocumentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;
  static const char *text_names[PL_N_TEXTS] = { "clean", "corrupted", "clean-answer",
                                                "corrupted-answer" };

  object_class->get_property = pl_document_get_property;
  object_class->set_property = pl_document_set_property;
  object_class->finalize = pl_document_finalize;
  for (int i = 0; i < PL_N_TEXTS; i++)
    props[PROP_CLEAN + i] = g_param_spec_string (text_names[i], NULL, NULL, "", rw);
  props[PROP_SITE] = g_param_spec_uint ("site", NULL, NULL, 0, PL_N_SITES - 1, 0, rw);
  props[PROP_METRIC] = g_param_spec_uint ("metric", NULL, NULL, 0, PL_N_METRICS - 1, 0, rw);
  props[PROP_TOP_K] = g_param_spec_int ("top-k", NULL, NULL, 1, G_MAXINT, 20, rw);
  props[PROP_MODEL] = g_param_spec_string ("model", NULL, NULL, NULL, rw);
  props[PROP_RESULT] = g_param_spec_pointer ("result", NULL, NULL, ro);
  props[PROP_PATH] = g_param_spec_string ("path", NULL, NULL, NULL, ro);
  props[PROP_DIRTY] = g_param_spec_boolean ("dirty", NULL, NULL, FALSE, ro);
  props[PROP_STALE] = g_param_spec_boolean ("stale", NULL, NULL, FALSE, ro);
  props[PROP_DIRECTION] = g_param_spec_uint ("direction", NULL, NULL, 0,
                                             PL_N_DIRECTIONS - 1, 0, rw);
  props[PROP_BY_POSITION] = g_param_spec_boolean ("by-position", NULL, NULL, FALSE, rw);
  g_object_class_install_properties (object_class, N_PROPS, props);
  install_set_properties (object_class);
}

static void
pl_document_init (PlDocument *self)
{
  for (int i = 0; i < PL_N_TEXTS; i++)
    self->texts[i] = g_strdup ("");
  self->site = PL_SITE_RESID_POST;
  self->metric = PL_METRIC_LOGIT_DIFF;
  self->top_k = 20;
  self->pairs = g_strdup ("");
  self->pairs_key = g_strdup ("");
}

PlDocument *
pl_document_new (void)
{
  return g_object_new (PL_TYPE_DOCUMENT, NULL);
}
