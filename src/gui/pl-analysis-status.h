/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-analysis-status.h: the status page the Logit Lens and Attribution pages show in
 * place of their figure (no model, bad inputs, computing), and its text for the tests
 * and the accessibility tree. Both pages hold it as the "status" child of a GtkStack.
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

void        pl_analysis_status_show (GtkStack      *stack,
                                     AdwStatusPage *page,
                                     const char    *icon,
                                     const char    *title,
                                     const char    *description);
/* The description (else the title) while the status page shows; NULL otherwise. */
const char *pl_analysis_status_text (GtkStack      *stack,
                                     AdwStatusPage *page);

G_END_DECLS
