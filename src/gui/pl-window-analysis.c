/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-window-analysis.c: the window's side of the Logit Lens and Attribution pages:
 * they read the document and the model; the export actions ask the page shown.
 */
#include "config.h"

#include "pl-window-private.h"

static void
on_page_changed (PlWindow *self)
{
  pl_window_update_actions (self);   /* the exports follow the page */
}

void
pl_window_analysis_init (PlWindow *self)
{
  pl_lens_view_set_document (self->lens_view, self->document);
  pl_attribution_view_set_document (self->attribution_view, self->document);
  g_signal_connect_swapped (self->view_stack, "notify::visible-child",
                            G_CALLBACK (on_page_changed), self);
}

void
pl_window_analysis_set_model (PlWindow *self)
{
  pl_lens_view_set_model (self->lens_view, self->model);
  pl_attribution_view_set_model (self->attribution_view, self->model);
}

GtkWidget *
pl_window_analysis_page (PlWindow *self)
{
  GtkWidget *page = adw_view_stack_get_visible_child (self->view_stack);

  if (page == GTK_WIDGET (self->lens_view) || page == GTK_WIDGET (self->attribution_view))
    return page;
  return NULL;
}

gboolean
pl_window_analysis_export_figure (PlWindow   *self,
                                  const char *path,
                                  double      scale,
                                  GError    **error)
{
  if (pl_window_analysis_page (self) == GTK_WIDGET (self->lens_view))
    return pl_lens_view_export_figure (self->lens_view, path, scale, error);
  return pl_attribution_view_export_figure (self->attribution_view, path, scale, error);
}

gboolean
pl_window_analysis_export_data (PlWindow   *self,
                                const char *path,
                                GError    **error)
{
  if (pl_window_analysis_page (self) == GTK_WIDGET (self->lens_view))
    return pl_lens_view_export_data (self->lens_view, path, error);
  return pl_attribution_view_export_data (self->attribution_view, path, error);
}

const char *
pl_window_analysis_file_name (PlWindow *self,
                              gboolean  figure)
{
  GtkWidget *page = pl_window_analysis_page (self);

  if (page == GTK_WIDGET (self->lens_view))
    return figure ? "lens.png" : "lens.csv";
  if (page == GTK_WIDGET (self->attribution_view))
    return figure ? "attribution.png" : "attribution.csv";
  return figure ? "patching.png" : "patching.csv";
}
