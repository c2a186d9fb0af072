/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-analysis-status.c: the analysis pages' status page (see the header).
 */
#include "pl-analysis-status.h"

void
pl_analysis_status_show (GtkStack      *stack,
                         AdwStatusPage *page,
                         const char    *icon,
                         const char    *title,
                         const char    *description)
{
  adw_status_page_set_icon_name (page, icon);
  adw_status_page_set_title (page, title);
  adw_status_page_set_description (page, description);
  gtk_stack_set_visible_child_name (stack, "status");
}

const char *
pl_analysis_status_text (GtkStack      *stack,
                         AdwStatusPage *page)
{
  const char *description;

  if (g_strcmp0 (gtk_stack_get_visible_child_name (stack), "status") != 0)
    return NULL;
  description = adw_status_page_get_description (page);
  return description != NULL ? description : adw_status_page_get_title (page);
}
