/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-bus-guard.c: the SIGBUS handler behind guarded mappings.
 *
 * The handler may run on any thread (OpenBLAS's included) while others add or remove
 * guards, so the slots are plain words read and written atomically: no locks, nothing
 * a signal handler may not do. mmap is a system call without locks in glibc.
 */
#include <signal.h>
#include <string.h>
#include <sys/mman.h>

#include "pl-bus-guard.h"

#define MAX_GUARDS 16

typedef struct {
  guintptr start, end;   /* start 0: free */
  int      used;         /* claimed by pl_bus_guard_add */
  int      lost;
} Guard;

static Guard guards[MAX_GUARDS];
static struct sigaction previous;

/* Gives the fault to whoever handled SIGBUS before us; by default, death. */
static void
chain (int sig, siginfo_t *info, void *context)
{
  if ((previous.sa_flags & SA_SIGINFO) && previous.sa_sigaction != NULL)
    previous.sa_sigaction (sig, info, context);
  else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN)
    previous.sa_handler (sig);
  else
    {
      /* Returning re-runs the faulting access, which now kills us as it should. */
      struct sigaction dfl;

      memset (&dfl, 0, sizeof dfl);
      dfl.sa_handler = SIG_DFL;
      sigaction (SIGBUS, &dfl, NULL);
    }
}

static void
on_sigbus (int sig, siginfo_t *info, void *context)
{
  guintptr a = (guintptr) info->si_addr;

  for (int i = 0; i < MAX_GUARDS; i++)
    {
      guintptr s = __atomic_load_n (&guards[i].start, __ATOMIC_ACQUIRE);
      guintptr e = __atomic_load_n (&guards[i].end, __ATOMIC_ACQUIRE);

      if (s != 0 && a >= s && a < e
          && mmap ((void *) s, e - s, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                   -1, 0) != MAP_FAILED)
        {
          __atomic_store_n (&guards[i].lost, 1, __ATOMIC_RELEASE);
          return;
        }
    }
  chain (sig, info, context);
}

static gpointer
install (gpointer data)
{
  struct sigaction sa;

  (void) data;
  memset (&sa, 0, sizeof sa);
  sa.sa_sigaction = on_sigbus;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset (&sa.sa_mask);
  return GINT_TO_POINTER (sigaction (SIGBUS, &sa, &previous) == 0);
}

int
pl_bus_guard_add (const void *start, gsize len)
{
  static GOnce once = G_ONCE_INIT;

  if (!GPOINTER_TO_INT (g_once (&once, install, NULL)))
    return -1;
  for (int i = 0; i < MAX_GUARDS; i++)
    {
      int expected = 0;

      if (__atomic_compare_exchange_n (&guards[i].used, &expected, 1, FALSE,
                                       __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        {
          __atomic_store_n (&guards[i].lost, 0, __ATOMIC_RELEASE);
          __atomic_store_n (&guards[i].end, (guintptr) start + len, __ATOMIC_RELEASE);
          __atomic_store_n (&guards[i].start, (guintptr) start, __ATOMIC_RELEASE);
          return i;
        }
    }
  return -1;
}

gboolean
pl_bus_guard_lost (int guard)
{
  g_return_val_if_fail (guard >= 0 && guard < MAX_GUARDS, TRUE);
  return __atomic_load_n (&guards[guard].lost, __ATOMIC_ACQUIRE) != 0;
}

void
pl_bus_guard_remove (int guard)
{
  if (guard < 0 || guard >= MAX_GUARDS)
    return;
  __atomic_store_n (&guards[guard].start, 0, __ATOMIC_RELEASE);
  __atomic_store_n (&guards[guard].end, 0, __ATOMIC_RELEASE);
  __atomic_store_n (&guards[guard].used, 0, __ATOMIC_RELEASE);
}
