/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-inputs.c: tokenizing and validating the texts of an experiment, with messages that
 * tell the user what to change.
 */
#include "pl-error.h"
#include "pl-inputs.h"

gboolean
pl_prompt_init (PlPrompt    *p,
                PlTokenizer *tok,
                const char  *text,
                const char  *which,
                int          n_ctx,
                GError     **error)
{
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GError) local = NULL;

  memset (p, 0, sizeof *p);
  if (text == NULL || *text == '\0')
    {
      g_set_error (error, PL_ERROR, PL_ERROR_EMPTY, "The %s is empty.", which);
      return FALSE;
    }
  ids = pl_tokenizer_encode (tok, text, -1, &local);
  if (ids == NULL)
    {
      g_set_error (error, local->domain, local->code, "The %s: %s", which, local->message);
      return FALSE;
    }
  if (ids->len == 0)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_EMPTY, "The %s has no tokens.", which);
      return FALSE;
    }
  if (n_ctx > 0 && ids->len > (guint) n_ctx)
    {
      g_set_error (error, PL_ERROR, PL_ERROR_TOO_LONG,
                   "The %s has %u tokens; the model reads at most %d.",
                   which, ids->len, n_ctx);
      return FALSE;
    }
  p->text = g_strdup (text);
  p->n_tokens = ids->len;
  p->ids = g_memdup2 (ids->data, sizeof (gint32) * ids->len);
  p->pieces = g_new0 (char *, ids->len + 1);
  for (guint i = 0; i < ids->len; i++)
    p->pieces[i] = pl_tokenizer_piece (tok, p->ids[i]);
  return TRUE;
}

void
pl_prompt_clear (PlPrompt *p)
{
  g_clear_pointer (&p->text, g_free);
  g_clear_pointer (&p->ids, g_free);
  g_clear_pointer (&p->pieces, g_strfreev);
  p->n_tokens = 0;
}

int
pl_prompt_mark_differences (const PlPrompt *a,
                            const PlPrompt *b,
                            gboolean       *da,
                            gboolean       *db)
{
  int n_common = MIN (a->n_tokens, b->n_tokens), n_diff = 0;

  for (int i = 0; i < a->n_tokens; i++)
    da[i] = i >= n_common || a->ids[i] != b->ids[i];
  for (int i = 0; i < b->n_tokens; i++)
    db[i] = i >= n_common || a->ids[i] != b->ids[i];
  for (int i = 0; i < n_common; i++)
    n_diff += a->ids[i] != b->ids[i];
  return n_diff;
}

char *
pl_prompt_describe (const PlPrompt *p)
{
  return g_strjoinv ("|", p->pieces);
}

/* "J|ones" for an answer's pieces. */
static char *
describe_ids (PlTokenizer *tok, GArray *ids)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < ids->len; i++)
    {
      g_autofree char *piece = pl_tokenizer_piece (tok, g_array_index (ids, gint32, i));

      if (i > 0)
        g_string_append_c (s, '|');
      g_string_append (s, piece);
    }
  return g_string_free (s, FALSE);
}

/* The leading-space pitfall: " Jones" is one token where "Jones" is two. */
static char *
leading_space_hint (PlTokenizer *tok, const char *answer)
{
  g_autofree char *spaced = NULL;
  g_autoptr(GArray) ids = NULL;

  if (answer[0] == ' ')
    return g_strdup ("");
  spaced = g_strconcat (" ", answer, NULL);
  ids = pl_tokenizer_encode (tok, spaced, -1, NULL);
  if (ids == NULL || ids->len != 1)
    return g_strdup ("");
  return g_strdup_printf (" Try \"%s\" with a leading space, which is 1 token: a word after "
                          "another word carries its space.", spaced);
}

gboolean
pl_answer_check (PlTokenizer *tok,
                 const char  *answer,
                 const char  *which,
                 gint32      *id_out,
                 GError     **error)
{
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *split = NULL;
  g_autofree char *hint = NULL;

  if (answer == NULL || *answer == '\0')
    {
      g_set_error (error, PL_ERROR, PL_ERROR_EMPTY, "The %s is empty.", which);
      return FALSE;
    }
  ids = pl_tokenizer_encode (tok, answer, -1, &local);
  if (ids == NULL)
    {
      g_set_error (error, local->domain, local->code, "The %s: %s", which, local->message);
      return FALSE;
    }
  if (ids->len == 1)
    {
      if (id_out)
        *id_out = g_array_index (ids, gint32, 0);
      return TRUE;
    }
  split = describe_ids (tok, ids);
  hint = leading_space_hint (tok, answer);
  g_set_error (error, PL_ERROR, PL_ERROR_ANSWER,
               "The %s \"%s\" is %u tokens (%s), not 1.%s",
               which, answer, ids->len, split, hint);
  return FALSE;
}

static gboolean
check_counts (const PlInputs *in, GError **error)
{
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  int na = in->clean.n_tokens, nb = in->corrupted.n_tokens;

  if (na == nb)
    return TRUE;
  a = pl_prompt_describe (&in->clean);
  b = pl_prompt_describe (&in->corrupted);
  g_set_error (error, PL_ERROR, PL_ERROR_TOKEN_COUNT,
               "The prompts must have the same number of tokens: the %s prompt is longer "
               "by %d.\n  clean (%d):     %s\n  corrupted (%d): %s",
               na > nb ? "clean" : "corrupted", ABS (na - nb), na, a, nb, b);
  return FALSE;
}

PlInputs *
pl_inputs_prepare (PlTokenizer *tok,
                   int          n_ctx,
                   const char  *clean,
                   const char  *corrupted,
                   const char  *clean_answer,
                   const char  *corrupted_answer,
                   GError     **error)
{
  g_autoptr(PlInputs) in = g_new0 (PlInputs, 1);

  if (!pl_prompt_init (&in->clean, tok, clean, "clean prompt", n_ctx, error) ||
      !pl_prompt_init (&in->corrupted, tok, corrupted, "corrupted prompt", n_ctx, error) ||
      !check_counts (in, error) ||
      !pl_answer_check (tok, clean_answer, "clean answer", &in->clean_answer_id, error) ||
      !pl_answer_check (tok, corrupted_answer, "corrupted answer",
                        &in->corrupted_answer_id, error))
    return NULL;
  in->clean_answer = g_strdup (clean_answer);
  in->corrupted_answer = g_strdup (corrupted_answer);
  return g_steal_pointer (&in);
}

static void
prompt_copy (PlPrompt *dst, const PlPrompt *src)
{
  dst->text = g_strdup (src->text);
  dst->n_tokens = src->n_tokens;
  dst->ids = g_memdup2 (src->ids, sizeof (gint32) * MAX (src->n_tokens, 0));
  dst->pieces = g_strdupv (src->pieces);
}

PlInputs *
pl_inputs_copy (const PlInputs *in)
{
  PlInputs *copy = g_new0 (PlInputs, 1);

  prompt_copy (&copy->clean, &in->clean);
  prompt_copy (&copy->corrupted, &in->corrupted);
  copy->clean_answer = g_strdup (in->clean_answer);
  copy->corrupted_answer = g_strdup (in->corrupted_answer);
  copy->clean_answer_id = in->clean_answer_id;
  copy->corrupted_answer_id = in->corrupted_answer_id;
  return copy;
}

int
pl_inputs_first_difference (const PlInputs *in)
{
  int p = 0;

  while (p < in->clean.n_tokens && in->clean.ids[p] == in->corrupted.ids[p])
    p++;
  return p;
}

void
pl_inputs_free (PlInputs *in)
{
  if (in == NULL)
    return;
  pl_prompt_clear (&in->clean);
  pl_prompt_clear (&in->corrupted);
  g_free (in->clean_answer);
  g_free (in->corrupted_answer);
  g_free (in);
}
