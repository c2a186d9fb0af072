/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * dump-patched-pattern.c: prints pl_attention_pattern_patched's T × T pattern as JSON
 * rows, for check-patched-pattern.py to compare with the numpy reference.
 *
 *   dump-patched-pattern MODEL_DIR LAYER HEAD SITE DIRECTION POSITION CLEAN_IDS CORR_IDS
 *
 * with the ids comma-separated and POSITION -1 for every position.
 */
#include <stdio.h>
#include <stdlib.h>

#include "pl-attention-pattern.h"

static GArray *
parse_ids (const char *s)
{
  g_auto(GStrv) parts = g_strsplit (s, ",", -1);
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint32));

  for (int i = 0; parts[i]; i++)
    {
      gint32 id = atoi (parts[i]);
      g_array_append_val (ids, id);
    }
  return ids;
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  PlSite site;
  PlDirection direction;

  if (argc != 9 || !pl_site_from_string (argv[4], &site)
      || !pl_direction_from_string (argv[5], &direction))
    {
      fprintf (stderr, "usage: %s MODEL LAYER HEAD SITE DIRECTION POSITION CLEAN CORR\n",
               argv[0]);
      return 2;
    }
  g_autoptr(PlModel) model = pl_model_load (argv[1], &error);
  g_autoptr(GArray) clean = parse_ids (argv[7]);
  g_autoptr(GArray) corrupted = parse_ids (argv[8]);
  if (model == NULL || clean->len != corrupted->len)
    {
      fprintf (stderr, "%s\n", error ? error->message : "the prompts differ in length");
      return 1;
    }
  int T = clean->len;
  g_autofree float *p = pl_attention_pattern_patched (model, (gint32 *) clean->data,
                                                      (gint32 *) corrupted->data, T,
                                                      atoi (argv[2]), atoi (argv[3]), site,
                                                      direction, atoi (argv[6]), NULL,
                                                      &error);
  if (p == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  printf ("[");
  for (int t = 0; t < T; t++)
    {
      printf ("%s[", t ? ",\n" : "");
      for (int j = 0; j < T; j++)
        printf ("%s%.9g", j ? "," : "", p[(gsize) t * T + j]);
      printf ("]");
    }
  printf ("]\n");
  return 0;
}
