/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-gui-test-util.c: main-loop waits, window handling and model generation for the GUI
 * tests (see pl-gui-test-util.h).
 */
#include "config.h"

#include <adwaita.h>
#include <stdarg.h>

#include "pl-gui-test-util.h"
#include "pl-heatmap-view-private.h"

void
pl_gui_test_init (int    *argc,
                  char ***argv)
{
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

  gtk_test_init (argc, argv, NULL);
  adw_init ();
  gtk_css_provider_load_from_resource (css, "/org/patchlens/Patchlens/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

char *
pl_gui_test_init_private (int        *argc,
                          char     ***argv,
                          const char *name)
{
  g_autofree char *template = g_strdup_printf ("patchlens-%s-XXXXXX", name);
  char *dir = g_dir_make_tmp (template, NULL);

  g_assert_nonnull (dir);
  g_setenv ("PATCHLENS_MODELS", dir, TRUE);
  g_setenv ("HF_HOME", dir, TRUE);
  g_setenv ("HF_HUB_CACHE", dir, TRUE);
  g_setenv ("XDG_DATA_HOME", dir, TRUE);
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  pl_gui_test_init (argc, argv);
  return dir;
}

static gboolean
timed_out (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

void
pl_gui_test_wait_until (gboolean  (*cond) (gpointer),
                        gpointer    data,
                        const char *what)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add_seconds (PL_GUI_TEST_WAIT_SECONDS, timed_out, &expired);

  while (!cond (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (expired)
    g_error ("still waiting for %s after %d s", what, PL_GUI_TEST_WAIT_SECONDS);
  g_source_remove (id);
}

gboolean
pl_gui_test_window_cond_holds (gpointer data)
{
  PlGuiTestWindowCond *wc = data;

  return wc->cond (wc->win);
}

static gboolean
is_null (gpointer data)
{
  return *(gpointer *) data == NULL;
}

void
pl_gui_test_wait_for_finalize (gpointer   *weak,
                               const char *what)
{
  pl_gui_test_wait_until (is_null, weak, what);
}

void
pl_gui_test_unref_and_wait_for_finalize (GObject    *object,
                                         const char *what)
{
  gpointer weak = object;

  g_object_add_weak_pointer (object, &weak);
  g_object_unref (object);
  pl_gui_test_wait_for_finalize (&weak, what);
}

void
pl_gui_test_spin (guint ms)
{
  gboolean expired = FALSE;

  g_timeout_add (ms, timed_out, &expired);
  while (!expired)
    g_main_context_iteration (NULL, TRUE);
}

void
pl_gui_test_close_window (PlWindow *win)
{
  gpointer weak = win;

  g_object_add_weak_pointer (G_OBJECT (win), &weak);
  gtk_window_destroy (GTK_WINDOW (win));
  pl_gui_test_wait_for_finalize (&weak, "the closed window's finalization");
}

void
pl_gui_test_screenshot (PlWindow   *win,
                        const char *name)
{
  pl_gui_test_screenshot_widget (GTK_WIDGET (win), name);
}

void
pl_gui_test_screenshot_widget (GtkWidget  *win,
                               const char *name)
{
  const char *dir = g_getenv ("PL_SCREENSHOT_DIR");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  int w = 0, h = 0;   /* set by the loop, which runs at least once */

  if (dir == NULL)
    return;
  paintable = gtk_widget_paintable_new (GTK_WIDGET (win));
  /* Let the window settle (a fresh frame, finished animations); a window that has not
   * drawn since it was uncovered gives no node yet: wait for its next frame. */
  for (int tries = 0; node == NULL && tries < 20; tries++)
    {
      pl_gui_test_spin (300);
      w = gtk_widget_get_width (GTK_WIDGET (win));
      h = gtk_widget_get_height (GTK_WIDGET (win));
      gtk_widget_queue_draw (GTK_WIDGET (win));
      snapshot = gtk_snapshot_new ();
      gdk_paintable_snapshot (paintable, snapshot, w, h);
      node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
    }
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (win)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, w, h));
  path = g_build_filename (dir, name, NULL);
  gdk_texture_save_to_png (texture, path);
}

void
pl_gui_test_set_text (GtkEditable *entry,
                      const char  *text)
{
  gtk_editable_set_text (entry, text);
}

GtkEditable *
pl_gui_test_entry (PlWindow *win,
                   PlText    which)
{
  return pl_prompts_panel_get_entry (win->prompts_panel, which);
}

/* As a user types them: into the entries. */
void
pl_gui_test_set_michelle (PlWindow *win)
{
  pl_gui_test_set_text (pl_gui_test_entry (win, PL_TEXT_CLEAN),
                        "Michelle Jones was a top-notch student. Michelle");
  pl_gui_test_set_text (pl_gui_test_entry (win, PL_TEXT_CORRUPTED),
                        "Michelle Smith was a top-notch student. Michelle");
  pl_gui_test_set_text (pl_gui_test_entry (win, PL_TEXT_CLEAN_ANSWER), " Jones");
  pl_gui_test_set_text (pl_gui_test_entry (win, PL_TEXT_CORRUPTED_ANSWER), " Smith");
}

void
pl_gui_test_gen_model (const char *dir,
                       const char *n_layer,
                       ...)
{
  const char *python = g_getenv ("PL_PYTHON3");
  const char *gen = g_getenv ("PL_GEN_MODEL");
  const char *fixed[] = { python ? python : "/usr/bin/python3", gen, dir, "--layers", n_layer,
                          "--heads", "2", "--embd", "32", "--positions", "64" };
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int status = 0;
  va_list ap;

  g_assert_nonnull (gen);
  for (guint i = 0; i < G_N_ELEMENTS (fixed); i++)
    g_ptr_array_add (argv, (gpointer) fixed[i]);
  va_start (ap, n_layer);
  for (const char *a = va_arg (ap, const char *); a; a = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

gboolean
pl_gui_test_not_loading (PlWindow *win)
{
  return !pl_window_is_loading_model (win);
}

gboolean
pl_gui_test_not_busy (PlWindow *win)
{
  return !pl_window_is_loading_model (win) && !pl_window_is_sweeping (win) &&
         !pl_window_is_opening (win);
}

void
pl_gui_test_activate (PlWindow   *win,
                      const char *name)
{
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (win), name));
  g_action_group_activate_action (G_ACTION_GROUP (win), name, NULL);
}

void
pl_gui_test_run (PlWindow *win)
{
  pl_gui_test_activate (win, "run");
  g_assert_true (pl_window_is_sweeping (win));
}

PlWindow *
pl_gui_test_with_model (PlWindow   *win,
                        const char *dir)
{
  pl_window_load_model (win, dir);
  pl_gui_test_wait_for (pl_gui_test_not_loading, win);
  g_assert_true (pl_window_has_model (win));
  return win;
}

void
pl_gui_test_sweep_michelle (PlWindow *win)
{
  pl_gui_test_set_michelle (win);
  pl_gui_test_run (win);
  pl_gui_test_wait_for (pl_gui_test_not_busy, win);
  g_assert_nonnull (pl_document_get_result (pl_window_get_document (win)));
}

gboolean
pl_gui_test_has_cell_topk (PlWindow *win)
{
  return pl_topk_table_get_topk (pl_nexttoken_pane_get_table (win->nexttoken_pane,
                                                              "cell")) != NULL;
}

int
pl_gui_test_count_dialogs (PlWindow *win)
{
  GListModel *tops = gtk_window_get_toplevels ();
  int n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (tops); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (tops, i);

      n += ADW_IS_MESSAGE_DIALOG (w) &&
           gtk_window_get_transient_for (GTK_WINDOW (w)) == GTK_WINDOW (win) &&
           gtk_widget_get_visible (GTK_WIDGET (w));
    }
  return n;
}

AdwMessageDialog *
pl_gui_test_find_dialog (PlWindow *win)
{
  GListModel *tops = gtk_window_get_toplevels ();
  AdwMessageDialog *found = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (tops) && found == NULL; i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (tops, i);

      if (ADW_IS_MESSAGE_DIALOG (w) &&
          gtk_window_get_transient_for (GTK_WINDOW (w)) == GTK_WINDOW (win) &&
          gtk_widget_get_visible (GTK_WIDGET (w)))
        found = ADW_MESSAGE_DIALOG (w);
    }
  return found;
}

void
pl_gui_test_respond (AdwMessageDialog *dialog,
                     const char       *response)
{
  g_assert_true (adw_message_dialog_has_response (dialog, response));
  g_object_ref (dialog);
  /* As a click does: the dialog goes, its response is handled. */
  gtk_window_destroy (GTK_WINDOW (dialog));
  adw_message_dialog_response (dialog, response);
  g_object_unref (dialog);
}

/* The middle of cell (row, col) in the view's coordinates. */
void
pl_gui_test_cell_center (PlWindow *win,
                         int       row,
                         int       col,
                         double   *x,
                         double   *y)
{
  PlHeatmapView *view = pl_heatmap_pane_get_view (win->heatmap_pane);
  PlHeatmap *hm = pl_heatmap_view_get_heatmap (view);
  double gx, gy, gw, gh;

  pl_heatmap_get_grid_rect (hm, &gx, &gy, &gw, &gh);
  pl_heatmap_view_figure_to_widget (view, gx + (col + 0.5) * gw / pl_heatmap_get_n_cols (hm),
                                    gy + (row + 0.5) * gh / pl_heatmap_get_n_rows (hm), x, y);
}

GtkEventController *
pl_gui_test_view_controller (PlWindow *win,
                             GType     type)
{
  g_autoptr(GListModel) list =
      gtk_widget_observe_controllers (GTK_WIDGET (pl_heatmap_pane_get_view (win->heatmap_pane)));

  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(GObject) c = g_list_model_get_item (list, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (c, type))
        return GTK_EVENT_CONTROLLER (c);   /* the view keeps its ref */
    }
  g_assert_not_reached ();
}

void
pl_gui_test_click_cell (PlWindow *win,
                        int       row,
                        int       col)
{
  double x, y;

  pl_gui_test_cell_center (win, row, col, &x, &y);
  /* A press starts the drag gesture too; no update: the pointer did not move. */
  g_signal_emit_by_name (pl_gui_test_view_controller (win, GTK_TYPE_GESTURE_DRAG),
                         "drag-begin", x, y);
  g_signal_emit_by_name (pl_gui_test_view_controller (win, GTK_TYPE_GESTURE_CLICK),
                         "released", 1, x, y);
}

gboolean
pl_gui_test_press_key (PlWindow *win,
                       guint     keyval)
{
  gboolean handled = FALSE;

  g_signal_emit_by_name (pl_gui_test_view_controller (win, GTK_TYPE_EVENT_CONTROLLER_KEY), "key-pressed",
                         keyval, 0, (GdkModifierType) 0, &handled);
  return handled;
}

