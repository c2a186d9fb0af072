/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-model-button.h: the header bar's model button and its popover: the model loaded
 * (name, size, folder) or that one is loading, the models found on this computer (in the
 * store's places, whatever their folder's name), Choose Model Folder and Download.
 *
 *   pl_model_button_set_model (button, model, loading);   // model may be NULL
 *   g_signal_connect (button, "model-chosen", G_CALLBACK (on_chosen), self);
 *
 * The list is read anew each time the popover opens (pl_model_button_refresh).
 * Signal: "model-chosen" (const char *reference): a family name for a model of the
 * store, a folder for any other; the popover has closed.
 */
#pragma once

#include <gtk/gtk.h>

#include "pl-model.h"

G_BEGIN_DECLS

#define PL_TYPE_MODEL_BUTTON (pl_model_button_get_type ())
G_DECLARE_FINAL_TYPE (PlModelButton, pl_model_button, PL, MODEL_BUTTON, GtkWidget)

void        pl_model_button_set_model (PlModelButton *self,
                                       PlModel       *model,
                                       gboolean       loading);
void        pl_model_button_refresh   (PlModelButton *self);

/* For tests: the button's text, the folder line, the list's rows. */
const char *pl_model_button_get_label (PlModelButton *self);
const char *pl_model_button_get_path  (PlModelButton *self);
GtkListBox *pl_model_button_get_list  (PlModelButton *self);

G_END_DECLS
