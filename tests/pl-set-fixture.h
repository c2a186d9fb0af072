/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-set-fixture.h: a set's sweep result built by hand (no model needed), for the tests
 * of the document and the experiment files: two Michelle pairs, the summary from
 * pl_fixture_result, made-up per-pair matrices with their mean and population std.
 *
 *   g_autoptr(PlSetResult) r = pl_fixture_set_result ();
 *   pl_document_set_pairs (doc, PL_FIXTURE_SET_JSONL);   // the same two pairs
 */
#pragma once

#include <math.h>
#include <string.h>

#include "pl-result-fixture.h"
#include "pl-sweep-set.h"

#define PL_FIXTURE_BROWN_CLEAN "Michelle Brown was a top-notch student. Michelle"
#define PL_FIXTURE_SET_JSONL \
  "{\"name\":\"first=Michelle last=Jones\",\"clean\":\"" MICHELLE_CLEAN "\",\"corrupted\":\"" \
  MICHELLE_CORRUPT "\",\"clean_answer\":\" Jones\",\"corrupted_answer\":\" Smith\"}\n" \
  "{\"clean\":\"" PL_FIXTURE_BROWN_CLEAN "\",\"corrupted\":\"" MICHELLE_CORRUPT \
  "\",\"clean_answer\":\" Brown\",\"corrupted_answer\":\" Smith\"}\n"

/* s with its first what replaced by with (what must be there). */
static inline char *
pl_fixture_replace (const char *s,
                    const char *what,
                    const char *with)
{
  const char *at = strstr (s, what);

  g_assert_nonnull (at);
  return g_strdup_printf ("%.*s%s%s", (int) (at - s), s, with, at + strlen (what));
}

static inline void
pl_fixture_set_pair (PlSetPair  *p,
                     const char *name,
                     int         line,
                     const char *clean,
                     const char *clean_answer,
                     gint32      clean_id)
{
  p->name = g_strdup (name);
  p->line = line;
  p->clean = g_strdup (clean);
  p->corrupted = g_strdup (MICHELLE_CORRUPT);
  p->clean_answer = g_strdup (clean_answer);
  p->corrupted_answer = g_strdup (" Smith");
  p->clean_answer_id = clean_id;
  p->corrupted_answer_id = 4176;
  p->clean_value = 1.5 * line;
  p->corrupted_value = -0.25 * line;
}

static inline PlSetResult *
pl_fixture_set_result (void)
{
  PlSetResult *r = g_new0 (PlSetResult, 1);

  r->summary = pl_fixture_result (3, MICHELLE_CLEAN, MICHELLE_CORRUPT, " Jones", " Smith");
  r->n_pairs = 2;
  r->n_cells = (int) pl_sweep_result_n_cells (r->summary);
  r->pairs = g_new0 (PlSetPair, 2);
  pl_fixture_set_pair (&r->pairs[0], "first=Michelle last=Jones", 1, MICHELLE_CLEAN, " Jones",
                       5437);
  pl_fixture_set_pair (&r->pairs[1], NULL, 2, PL_FIXTURE_BROWN_CLEAN, " Brown", 4373);
  r->matrices = g_new (float, 2 * r->n_cells);
  r->std = g_new (float, r->n_cells);
  r->mean = r->summary->matrix;
  for (int c = 0; c < r->n_cells; c++)
    {
      float a = sinf (c * 0.7f), b = a + 0.125f * (c % 5);

      r->matrices[c] = a;
      r->matrices[r->n_cells + c] = b;
      r->mean[c] = (a + b) / 2;
      r->std[c] = fabsf (a - b) / 2;   /* population std of two values */
    }
  r->seconds = 0.5;
  r->summary->seconds = 0.5;
  return r;
}
