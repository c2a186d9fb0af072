/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-application.c: PlApplication (AdwApplication): accelerators, about, quit, and
 * windows for activation and for files given on the command line.
 */
#include "config.h"

#include "pl-application.h"

#include <glib/gi18n.h>

#include "pl-window.h"

struct _PlApplication {
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (PlApplication, pl_application, ADW_TYPE_APPLICATION)

static void
show_about (GSimpleAction *action,
            GVariant      *param,
            gpointer       data)
{
  GtkApplication *app = data;
  const char *developers[] = { "The Patchlens authors", NULL };

  adw_show_about_window (gtk_application_get_active_window (app),
                         "application-name", _("Patchlens"),
                         "application-icon", APP_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("See which layers and positions of GPT-2 carry the information that decides its next token, by activation patching."),
                         "developers", developers,
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "copyright", "© 2024 The Patchlens authors",
                         NULL);
}

static void
quit (GSimpleAction *action,
      GVariant      *param,
      gpointer       data)
{
  GtkApplication *app = data;
  GList *windows = g_list_copy (gtk_application_get_windows (app));

  /* Closing each window stops its workers and saves its size. */
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);
  g_list_free (windows);
}

static const GActionEntry app_entries[] = {
  { "about", show_about },
  { "quit", quit },
};

static void
set_accels (GtkApplication *app)
{
  static const struct { const char *action; const char *accels[3]; } table[] = {
    { "app.quit",              { "<Control>q", NULL } },
    { "window.close",          { "<Control>w", NULL } },
    { "win.run",               { "<Control>Return", "<Control>KP_Enter", NULL } },
    { "win.cancel",            { "Escape", NULL } },
    { "win.open",              { "<Control>o", NULL } },
    { "win.save",              { "<Control>s", NULL } },
    { "win.save-as",           { "<Control><Shift>s", NULL } },
    { "win.export-figure",     { "<Control>e", NULL } },
    { "win.export-data",       { "<Control><Shift>e", NULL } },
    { "win.choose-model",      { "<Control>m", NULL } },
    { "win.zoom-in",           { "<Control>plus", "<Control>equal", NULL } },
    { "win.zoom-out",          { "<Control>minus", NULL } },
    { "win.zoom-fit",          { "<Control>0", NULL } },
    { "win.presentation",      { "F11", "F5", NULL } },
    { "win.show-topk",         { "F9", NULL } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    gtk_application_set_accels_for_action (app, table[i].action, table[i].accels);
}

static void
pl_application_startup (GApplication *app)
{
  G_APPLICATION_CLASS (pl_application_parent_class)->startup (app);
  g_action_map_add_action_entries (G_ACTION_MAP (app), app_entries,
                                   G_N_ELEMENTS (app_entries), app);
  set_accels (GTK_APPLICATION (app));
}

static PlWindow *
new_window (GApplication *app)
{
  PlWindow *win = pl_window_new (GTK_APPLICATION (app));

  gtk_window_present (GTK_WINDOW (win));
  pl_window_load_startup_model (win);
  return win;
}

static void
pl_application_activate (GApplication *app)
{
  GtkWindow *win = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (win != NULL)
    gtk_window_present (win);
  else
    new_window (app);
}

static void
pl_application_open (GApplication  *app,
                     GFile        **files,
                     int            n_files,
                     const char    *hint)
{
  for (int i = 0; i < n_files; i++)
    pl_window_open_experiment (new_window (app), files[i]);
}

static void
pl_application_class_init (PlApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->startup = pl_application_startup;
  app_class->activate = pl_application_activate;
  app_class->open = pl_application_open;
}

static void
pl_application_init (PlApplication *self)
{
}

PlApplication *
pl_application_new (void)
{
  return g_object_new (PL_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/org/patchlens/Patchlens",
                       NULL);
}
