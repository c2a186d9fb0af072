/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-template.c: expanding a text with slots into prompt pairs: parsing the template,
 * checking that every filler is one token where it stands, enumerating and sampling the
 * combinations.
 */
#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "pl-error.h"
#include "pl-template.h"

typedef struct {
  char    *text;     /* literal text, or NULL for a slot */
  int      name;     /* a slot: index into names */
  gboolean spaced;   /* a slot right after a space: its filler is read with that space */
} Part;

typedef struct {
  char  *name;
  GStrv  values;
  int    n_values;
} Slot;

typedef struct {
  int   slot;
  int   other;    /* a slot to swap with, or -1 */
  char *value;    /* the text put in the slot when other is -1 */
} Corruption;

struct _PlTemplate {
  GArray    *parts;        /* Part */
  GPtrArray *names;        /* the slot names the text uses, in order of first use */
  GArray    *slots;        /* Slot, in the order given */
  GArray    *corruptions;  /* Corruption */
  int        answer[2];    /* slots of the clean and corrupted answers; -1 until set */
};

static void invalid (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* A PL_ERROR_INVALID_ARGUMENT: the template, a slot or a corruption cannot be used. */
static void
invalid (GError **error, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT, message);
}

/* ---- parsing ---- */

static gboolean
is_name_char (char c)
{
  return g_ascii_isalnum (c) || c == '_';
}

static void
flush_literal (PlTemplate *t, GString *lit)
{
  Part part = { NULL, -1, FALSE };

  if (lit->len == 0)
    return;
  part.text = g_strdup (lit->str);
  g_array_append_val (t->parts, part);
  g_string_truncate (lit, 0);
}

static int
find_name (GPtrArray *names, const char *name, gsize len)
{
  for (guint i = 0; i < names->len; i++)
    if (strlen (names->pdata[i]) == len && strncmp (names->pdata[i], name, len) == 0)
      return i;
  return -1;
}

/* Reads "{name}" at p (text is the whole template, for the position in errors); returns
 * the character after it, or NULL. */
static const char *
parse_slot (PlTemplate *t, const char *text, const char *p, GString *lit, GError **error)
{
  const char *start = p + 1, *end = start;
  Part part = { NULL, -1, lit->len > 0 && lit->str[lit->len - 1] == ' ' };

  while (is_name_char (*end))
    end++;
  if (*end != '}' || end == start)
    {
      invalid (error, "The template's “{” at character %ld is not followed by a slot "
               "name and “}” (names are letters, digits and _; “{{” is a literal brace)",
               g_utf8_pointer_to_offset (text, p) + 1);
      return NULL;
    }
  flush_literal (t, lit);
  part.name = find_name (t->names, start, end - start);
  if (part.name < 0)
    {
      part.name = t->names->len;
      g_ptr_array_add (t->names, g_strndup (start, end - start));
    }
  g_array_append_val (t->parts, part);
  return end + 1;
}

static void
part_clear (gpointer data)
{
  g_free (((Part *) data)->text);
}

static void
slot_clear (gpointer data)
{
  g_free (((Slot *) data)->name);
  g_strfreev (((Slot *) data)->values);
}

static void
corruption_clear (gpointer data)
{
  g_free (((Corruption *) data)->value);
}

PlTemplate *
pl_template_new (const char  *text,
                 GError     **error)
{
  g_autoptr(PlTemplate) t = g_new0 (PlTemplate, 1);
  g_autoptr(GString) lit = g_string_new (NULL);

  t->parts = g_array_new (FALSE, FALSE, sizeof (Part));
  g_array_set_clear_func (t->parts, part_clear);
  t->names = g_ptr_array_new_with_free_func (g_free);
  t->slots = g_array_new (FALSE, FALSE, sizeof (Slot));
  g_array_set_clear_func (t->slots, slot_clear);
  t->corruptions = g_array_new (FALSE, FALSE, sizeof (Corruption));
  g_array_set_clear_func (t->corruptions, corruption_clear);
  t->answer[0] = t->answer[1] = -1;
  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    {
      invalid (error, "The template is not valid UTF-8 text");
      return NULL;
    }
  for (const char *p = text; *p != '\0';)
    {
      if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}'))
        {
          g_string_append_c (lit, p[0]);
          p += 2;
        }
      else if (p[0] == '{')
        {
          p = parse_slot (t, text, p, lit, error);
          if (p == NULL)
            return NULL;
        }
      else if (p[0] == '}')
        {
          invalid (error, "The template's “}” at character %ld closes no slot (“}}” is "
                   "a literal brace)", g_utf8_pointer_to_offset (text, p) + 1);
          return NULL;
        }
      else
        g_string_append_c (lit, *p++);
    }
  flush_literal (t, lit);
  if (t->names->len == 0)
    {
      invalid (error, "The template has no slots: write them as {NAME}, e.g. “When {A} "
               "and {B} went to the {place}, {B} gave a drink to”");
      return NULL;
    }
  return g_steal_pointer (&t);
}

void
pl_template_free (PlTemplate *t)
{
  if (t == NULL)
    return;
  g_array_unref (t->parts);
  g_ptr_array_unref (t->names);
  g_array_unref (t->slots);
  g_array_unref (t->corruptions);
  g_free (t);
}

/* ---- slots, corruptions, answers ---- */

static int
find_slot (PlTemplate *t, const char *name)
{
  for (guint i = 0; i < t->slots->len; i++)
    if (strcmp (g_array_index (t->slots, Slot, i).name, name) == 0)
      return i;
  return -1;
}

gboolean
pl_template_add_slot (PlTemplate         *t,
                      const char         *name,
                      const char *const  *values,
                      GError            **error)
{
  Slot slot = { 0 };

  if (name == NULL || *name == '\0')
    {
      invalid (error, "A slot needs a name: NAME=value1,value2,…");
      return FALSE;
    }
  for (const char *p = name; *p; p++)
    if (!is_name_char (*p))
      {
        invalid (error, "The slot name “%s” may only hold letters, digits and _", name);
        return FALSE;
      }
  if (find_slot (t, name) >= 0)
    {
      invalid (error, "The slot “%s” is given twice; list all its fillers once, "
               "separated by commas", name);
      return FALSE;
    }
  if (values == NULL || values[0] == NULL)
    {
      invalid (error, "The slot “%s” has no fillers", name);
      return FALSE;
    }
  for (int i = 0; values[i] != NULL; i++)
    if (*values[i] == '\0')
      {
        invalid (error, "The slot “%s” has an empty filler (number %d)", name, i + 1);
        return FALSE;
      }
  slot.name = g_strdup (name);
  slot.values = g_strdupv ((char **) values);
  slot.n_values = g_strv_length (slot.values);
  g_array_append_val (t->slots, slot);
  return TRUE;
}

static gboolean
known_slot (PlTemplate *t, const char *name, const char *what, int *index, GError **error)
{
  *index = find_slot (t, name);
  if (*index < 0)
    {
      invalid (error, "%s names the slot “%s”, which has no fillers (give them with "
               "--slot %s=value1,value2,…)", what, name, name);
      return FALSE;
    }
  return TRUE;
}

gboolean
pl_template_add_corruption (PlTemplate  *t,
                            const char  *slot,
                            const char  *value,
                            GError     **error)
{
  Corruption c = { -1, -1, NULL };

  if (!known_slot (t, slot, "A corruption", &c.slot, error))
    return FALSE;
  if (value == NULL || *value == '\0')
    {
      invalid (error, "The corruption of “%s” is empty: give a slot to swap with or a "
               "value to put in it", slot);
      return FALSE;
    }
  c.other = find_slot (t, value);
  if (c.other == c.slot)
    {
      invalid (error, "The corruption %s=%s swaps a slot with itself", slot, value);
      return FALSE;
    }
  if (c.other < 0)
    c.value = g_strdup (value);
  g_array_append_val (t->corruptions, c);
  return TRUE;
}

gboolean
pl_template_set_answers (PlTemplate  *t,
                         const char  *clean_slot,
                         const char  *corrupted_slot,
                         GError     **error)
{
  return known_slot (t, clean_slot, "The clean answer", &t->answer[0], error)
      && known_slot (t, corrupted_slot, "The corrupted answer", &t->answer[1], error);
}

/* ---- checking that every filler is one token where it stands ---- */

/* Slots that swap values share a group: any value of the group can stand in any of its
 * slots. group[i] is the group's first slot. */
static int
group_of (const int *group, int slot)
{
  while (group[slot] != slot)
    slot = group[slot];
  return slot;
}

static int *
make_groups (PlTemplate *t)
{
  int n = t->slots->len;
  int *group = g_new (int, n);

  for (int i = 0; i < n; i++)
    group[i] = i;
  for (guint i = 0; i < t->corruptions->len; i++)
    {
      const Corruption *c = &g_array_index (t->corruptions, Corruption, i);
      int a, b;

      if (c->other < 0)
        continue;
      a = group_of (group, c->slot);
      b = group_of (group, c->other);
      group[MAX (a, b)] = MIN (a, b);
    }
  return group;
}

/* TRUE when value (with a leading space when spaced) is one token; else the error says
 * what it is, as what. */
static gboolean
check_one_token (PlTokenizer *tok, const char *value, gboolean spaced, const char *what,
                 GError **error)
{
  g_autofree char *text = g_strconcat (spaced ? " " : "", value, NULL);
  g_autoptr(GArray) ids = pl_tokenizer_encode (tok, text, -1, NULL);
  g_autoptr(GString) pieces = g_string_new (NULL);

  if (ids != NULL && ids->len == 1)
    return TRUE;
  for (guint i = 0; ids != NULL && i < ids->len; i++)
    {
      g_autofree char *piece = pl_tokenizer_piece (tok, g_array_index (ids, gint32, i));

      g_string_append_printf (pieces, "%s%s", i > 0 ? "|" : "", piece);
    }
  invalid (error, "%s is %u tokens %s (%s), not 1: every filler must be one token, so "
           "that every pair has the same positions", what, ids ? ids->len : 0,
           spaced ? "with its leading space" : "without a leading space", pieces->str);
  return FALSE;
}

/* Every value of slot s's group, as it would stand in s (spaced or not). */
static gboolean
check_group (PlTemplate *t, PlTokenizer *tok, const int *group, int s, gboolean spaced,
             const char *where, GError **error)
{
  int g = group_of (group, s);

  for (guint i = 0; i < t->slots->len; i++)
    {
      const Slot *slot = &g_array_index (t->slots, Slot, i);

      for (int v = 0; group_of (group, i) == g && v < slot->n_values; v++)
        {
          g_autofree char *what = g_strdup_printf ("The filler “%s” of slot %s%s",
                                                   slot->values[v], slot->name, where);
          if (!check_one_token (tok, slot->values[v], spaced, what, error))
            return FALSE;
        }
    }
  for (guint i = 0; i < t->corruptions->len; i++)
    {
      const Corruption *c = &g_array_index (t->corruptions, Corruption, i);
      g_autofree char *what = NULL;

      if (c->other >= 0 || group_of (group, c->slot) != g)
        continue;
      what = g_strdup_printf ("The corrupted value “%s” of slot %s%s", c->value,
                              g_array_index (t->slots, Slot, c->slot).name, where);
      if (!check_one_token (tok, c->value, spaced, what, error))
        return FALSE;
    }
  return TRUE;
}

/* slot_of[n]: the slot filling the text's slot name n. */
static gboolean
map_names (PlTemplate *t, int *slot_of, GError **error)
{
  for (guint n = 0; n < t->names->len; n++)
    {
      slot_of[n] = find_slot (t, t->names->pdata[n]);
      if (slot_of[n] < 0)
        {
          invalid (error, "The template's slot {%s} has no fillers (give them with "
                   "--slot %s=value1,value2,…)", (char *) t->names->pdata[n],
                   (char *) t->names->pdata[n]);
          return FALSE;
        }
    }
  return TRUE;
}

/* Every slot is read by the text, a swap or an answer. */
static gboolean
check_used (PlTemplate *t, GError **error)
{
  if (t->corruptions->len == 0)
    {
      invalid (error, "Give at least one corruption: SLOT=OTHER_SLOT swaps two slots, "
               "SLOT=value replaces a slot's value");
      return FALSE;
    }
  if (t->answer[0] < 0)
    {
      invalid (error, "Give the answers: CLEAN_SLOT,CORRUPTED_SLOT");
      return FALSE;
    }
  for (guint i = 0; i < t->slots->len; i++)
    {
      gboolean used = find_name (t->names, g_array_index (t->slots, Slot, i).name,
                                 strlen (g_array_index (t->slots, Slot, i).name)) >= 0
                      || t->answer[0] == (int) i || t->answer[1] == (int) i;

      for (guint c = 0; !used && c < t->corruptions->len; c++)
        used = g_array_index (t->corruptions, Corruption, c).other == (int) i;
      if (!used)
        {
          invalid (error, "The slot %s is used neither by the template, nor by a "
                   "corruption, nor as an answer", g_array_index (t->slots, Slot, i).name);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
check_fillers (PlTemplate *t, PlTokenizer *tok, const int *slot_of, GError **error)
{
  g_autofree int *group = make_groups (t);

  for (guint i = 0; i < t->parts->len; i++)
    {
      const Part *part = &g_array_index (t->parts, Part, i);

      if (part->text == NULL
          && !check_group (t, tok, group, slot_of[part->name], part->spaced, "", error))
        return FALSE;
    }
  for (int a = 0; a < 2; a++)
    if (!check_group (t, tok, group, t->answer[a], TRUE,
                      a == 0 ? " (as the clean answer)" : " (as the corrupted answer)",
                      error))
      return FALSE;
  return TRUE;
}

/* ---- combinations ---- */

typedef struct {
  const char **clean;       /* per slot */
  const char **corrupted;
} Filling;

/* Fills f for combination index (the first slot varies slowest). */
static void
fill (PlTemplate *t, gint64 index, Filling *f)
{
  for (int i = t->slots->len - 1; i >= 0; i--)
    {
      const Slot *slot = &g_array_index (t->slots, Slot, i);

      f->clean[i] = f->corrupted[i] = slot->values[index % slot->n_values];
      index /= slot->n_values;
    }
  for (guint i = 0; i < t->corruptions->len; i++)
    {
      const Corruption *c = &g_array_index (t->corruptions, Corruption, i);

      if (c->other >= 0)
        {
          const char *v = f->corrupted[c->slot];

          f->corrupted[c->slot] = f->corrupted[c->other];
          f->corrupted[c->other] = v;
        }
      else
        f->corrupted[c->slot] = c->value;
    }
}

static char *
render (PlTemplate *t, const int *slot_of, const char **values)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < t->parts->len; i++)
    {
      const Part *part = &g_array_index (t->parts, Part, i);

      g_string_append (s, part->text ? part->text : values[slot_of[part->name]]);
    }
  return g_string_free (s, FALSE);
}

/* The pair of combination index, or NULL when it is left out (corrupted = clean, or
 * equal answers). */
static PlTemplatePair *
make_pair (PlTemplate *t, const int *slot_of, gint64 index, Filling *f)
{
  PlTemplatePair *pair;
  GString *name = g_string_new (NULL);

  fill (t, index, f);
  if (strcmp (f->clean[t->answer[0]], f->corrupted[t->answer[1]]) == 0)
    {
      g_string_free (name, TRUE);
      return NULL;
    }
  pair = g_new0 (PlTemplatePair, 1);
  pair->clean = render (t, slot_of, f->clean);
  pair->corrupted = render (t, slot_of, f->corrupted);
  if (strcmp (pair->clean, pair->corrupted) == 0)
    {
      g_string_free (name, TRUE);
      pl_template_pair_free (pair);
      return NULL;
    }
  pair->clean_answer = g_strconcat (" ", f->clean[t->answer[0]], NULL);
  pair->corrupted_answer = g_strconcat (" ", f->corrupted[t->answer[1]], NULL);
  for (guint i = 0; i < t->slots->len; i++)
    g_string_append_printf (name, "%s%s=%s", i > 0 ? " " : "",
                            g_array_index (t->slots, Slot, i).name, f->clean[i]);
  pair->name = g_string_free (name, FALSE);
  return pair;
}

static gint64
count_combinations (PlTemplate *t, GError **error)
{
  gint64 n = 1;

  for (guint i = 0; i < t->slots->len; i++)
    {
      n *= g_array_index (t->slots, Slot, i).n_values;
      if (n > PL_TEMPLATE_MAX_COMBINATIONS)
        {
          invalid (error, "The slots' fillers make more than %d combinations; give fewer "
                   "fillers", PL_TEMPLATE_MAX_COMBINATIONS);
          return -1;
        }
    }
  return n;
}

static gint
compare_ints (gconstpointer a, gconstpointer b)
{
  return *(const int *) a - *(const int *) b;
}

/* limit of the pairs drawn with seed, in combination order; takes all. */
static GPtrArray *
sample (GPtrArray *all, int limit, guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  int n = all->len;
  g_autofree int *pos = g_new (int, n);
  GPtrArray *kept;

  if (limit <= 0 || limit >= n)
    return all;
  for (int i = 0; i < n; i++)
    pos[i] = i;
  for (int i = 0; i < limit; i++)   /* a partial Fisher-Yates shuffle */
    {
      int j = g_rand_int_range (rand, i, n), tmp = pos[i];

      pos[i] = pos[j];
      pos[j] = tmp;
    }
  qsort (pos, limit, sizeof (int), compare_ints);
  kept = g_ptr_array_new_with_free_func ((GDestroyNotify) pl_template_pair_free);
  for (int i = 0; i < limit; i++)
    {
      g_ptr_array_add (kept, all->pdata[pos[i]]);
      all->pdata[pos[i]] = NULL;
    }
  g_ptr_array_unref (all);
  return kept;
}

GPtrArray *
pl_template_expand (PlTemplate  *t,
                    PlTokenizer *tok,
                    int          limit,
                    guint32      seed,
                    GError     **error)
{
  g_autofree int *slot_of = g_new0 (int, t->names->len);
  g_autofree const char **clean = g_new0 (const char *, t->slots->len);
  g_autofree const char **corrupted = g_new0 (const char *, t->slots->len);
  Filling f = { clean, corrupted };
  g_autoptr(GPtrArray) pairs = NULL;
  gint64 n;

  if (!map_names (t, slot_of, error) || !check_used (t, error)
      || !check_fillers (t, tok, slot_of, error))
    return NULL;
  n = count_combinations (t, error);
  if (n < 0)
    return NULL;
  pairs = g_ptr_array_new_with_free_func ((GDestroyNotify) pl_template_pair_free);
  for (gint64 i = 0; i < n; i++)
    {
      PlTemplatePair *pair = make_pair (t, slot_of, i, &f);

      if (pair != NULL)
        g_ptr_array_add (pairs, pair);
    }
  if (pairs->len == 0)
    {
      invalid (error, "Every combination gives a corrupted prompt equal to the clean one "
               "or equal answers, so there are no pairs; check the corruptions");
      return NULL;
    }
  return sample (g_steal_pointer (&pairs), limit, seed);
}

/* ---- pairs ---- */

char *
pl_template_pair_to_json (const PlTemplatePair *pair)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  const char *const keys[] = { "name", "clean", "corrupted", "clean_answer",
                               "corrupted_answer" };
  const char *const values[] = { pair->name, pair->clean, pair->corrupted,
                                 pair->clean_answer, pair->corrupted_answer };

  json_builder_begin_object (b);
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      json_builder_set_member_name (b, keys[i]);
      json_builder_add_string_value (b, values[i]);
    }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

void
pl_template_pair_free (PlTemplatePair *pair)
{
  if (pair == NULL)
    return;
  g_free (pair->name);
  g_free (pair->clean);
  g_free (pair->corrupted);
  g_free (pair->clean_answer);
  g_free (pair->corrupted_answer);
  g_free (pair);
}
