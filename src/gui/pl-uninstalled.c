/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-uninstalled.c: the translations' folder, in the build tree or installed.
 */
#include "config.h"

#include "pl-uninstalled.h"

gboolean
pl_running_uninstalled (void)
{
#ifdef PL_BUILD_ROOT
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);

  return exe != NULL && g_str_has_prefix (exe, PL_BUILD_ROOT G_DIR_SEPARATOR_S);
#else
  return FALSE;
#endif
}

const char *
pl_locale_dir (void)
{
#ifdef PL_BUILD_ROOT
  if (pl_running_uninstalled ())
    return PL_BUILD_ROOT G_DIR_SEPARATOR_S "po";
#endif
  return LOCALEDIR;
}
