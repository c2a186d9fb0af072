/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-shared.c: a reference-counted owner of one pointer (atomic: any thread may unref).
 */
#include "pl-shared.h"

struct _PlShared {
  gpointer       data;
  GDestroyNotify free_func;
};

static void
shared_clear (gpointer box)
{
  PlShared *s = box;

  if (s->data != NULL && s->free_func != NULL)
    s->free_func (s->data);
}

PlShared *
pl_shared_new (gpointer data, GDestroyNotify free_func)
{
  PlShared *s = g_atomic_rc_box_new0 (PlShared);

  s->data = data;
  s->free_func = free_func;
  return s;
}

PlShared *
pl_shared_ref (PlShared *s)
{
  return g_atomic_rc_box_acquire (s);
}

void
pl_shared_unref (PlShared *s)
{
  g_atomic_rc_box_release_full (s, shared_clear);
}

gpointer
pl_shared_get (PlShared *s)
{
  return s->data;
}
