/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-analysis.c: the inputs of the lens and attribution views, validated with the
 * prompts panel's messages, and their model work on a worker thread.
 */
#include "config.h"

#include "pl-analysis.h"

#include <glib/gi18n.h>

#include <string.h>

#include "pl-error.h"
#include "pl-json-print.h"
#include "pl-write-file.h"

PlTokenizer *
pl_analysis_tokenizer (const PlAnalysis *a)
{
  return pl_model_tokenizer (pl_loaded_model_get (a->model));
}

/* The first reason the answers make no result, for both sides; NULL when they are fine. */
static GError *
check_answers (PlAnalysis *a)
{
  static const char *which[2] = { N_("clean answer"), N_("corrupted answer") };
  GError *error = NULL;

  for (int i = 0; i < 2; i++)
    if (!pl_answer_check (pl_analysis_tokenizer (a), a->answers[i], _(which[i]),
                          &a->answer_ids[i], &error))
      return error;
  if (a->kind == PL_ANALYSIS_ATTRIBUTION && a->answer_ids[0] == a->answer_ids[1])
    return g_error_new_literal (PL_ERROR, PL_ERROR_ANSWER,
                                _("The two answers are the same token: their logit "
                                  "difference is 0 whatever the model does."));
  return NULL;
}

PlAnalysis *
pl_analysis_new (PlAnalysisKind  kind,
                 PlLoadedModel  *model,
                 PlDocument     *doc)
{
  static const char *which[2] = { N_("clean prompt"), N_("corrupted prompt") };
  PlAnalysis *a = g_new0 (PlAnalysis, 1);
  PlModel *m = pl_loaded_model_get (model);
  GError *answer_error;

  a->kind = kind;
  a->model = pl_loaded_model_ref (model);
  a->model_name = g_strdup (pl_model_name (m));
  for (int i = 0; i < PL_N_TEXTS; i++)
    a->texts[i] = g_strdup (pl_document_get_text (doc, i));
  a->answers[0] = g_strdup (a->texts[PL_TEXT_CLEAN_ANSWER]);
  a->answers[1] = g_strdup (a->texts[PL_TEXT_CORRUPTED_ANSWER]);
  answer_error = check_answers (a);
  for (int s = 0; s < PL_N_SIDES; s++)
    {
      const char *text = a->texts[s == PL_SIDE_CLEAN ? PL_TEXT_CLEAN : PL_TEXT_CORRUPTED];

      if (!pl_prompt_init (&a->prompt[s], pl_model_tokenizer (m), text, _(which[s]),
                           pl_model_config (m)->n_positions, &a->error[s]))
        continue;
      if (answer_error != NULL)
        a->error[s] = g_error_copy (answer_error);
    }
  g_clear_error (&answer_error);
  return a;
}

void
pl_analysis_free (PlAnalysis *a)
{
  if (a == NULL)
    return;
  for (int s = 0; s < PL_N_SIDES; s++)
    {
      pl_prompt_clear (&a->prompt[s]);
      g_clear_error (&a->error[s]);
      g_clear_pointer (&a->lens[s], pl_lens_free);
      g_clear_pointer (&a->at[s], pl_attribution_free);
    }
  for (int i = 0; i < PL_N_TEXTS; i++)
    g_free (a->texts[i]);
  g_free (a->answers[0]);
  g_free (a->answers[1]);
  g_free (a->model_name);
  pl_loaded_model_unref (a->model);
  g_free (a);
}

gboolean
pl_analysis_matches (const PlAnalysis *a,
                     PlLoadedModel    *model,
                     PlDocument       *doc)
{
  if (a == NULL || a->model != model)
    return FALSE;
  for (int i = 0; i < PL_N_TEXTS; i++)
    if (g_strcmp0 (a->texts[i], pl_document_get_text (doc, i)) != 0)
      return FALSE;
  return TRUE;
}

static void
run_thread (GTask        *task,
            gpointer      source,
            gpointer      task_data,
            GCancellable *cancellable)
{
  PlAnalysis *a = task_data;
  PlModel *m = pl_loaded_model_get (a->model);
  GError *error = NULL;

  for (int s = 0; s < PL_N_SIDES; s++)
    {
      if (a->error[s] != NULL)
        continue;
      if (a->kind == PL_ANALYSIS_LENS)
        a->lens[s] = pl_lens_run (m, a->prompt[s].ids, a->prompt[s].n_tokens,
                                  a->answer_ids, 2, cancellable, &a->error[s]);
      else
        a->at[s] = pl_attribution_run (m, a->prompt[s].ids, a->prompt[s].n_tokens,
                                       a->answer_ids[0], a->answer_ids[1], cancellable,
                                       &a->error[s]);
      if (g_cancellable_set_error_if_cancelled (cancellable, &error))
        {
          pl_analysis_free (a);
          g_task_return_error (task, error);
          return;
        }
    }
  /* Not propagated (cancelled after it ended): the task frees it. */
  g_task_return_pointer (task, a, (GDestroyNotify) pl_analysis_free);
}

void
pl_analysis_run_async (PlAnalysis          *a,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  /* The worker owns a: it returns it, or frees it when cancelled. */
  g_task_set_task_data (task, a, NULL);
  g_task_run_in_thread (task, run_thread);
}

/* NULL with G_IO_ERROR_CANCELLED when cancelled, even after the worker ended. */
PlAnalysis *
pl_analysis_run_finish (GAsyncResult *res,
                        GError      **error)
{
  return g_task_propagate_pointer (G_TASK (res), error);
}

/* ---- the exports ---- */

gboolean
pl_analysis_figure_format (const char     *path,
                           PlFigureFormat *format,
                           GError        **error)
{
  g_autofree char *base = NULL;

  if (pl_figure_format_from_path (path, format))
    return TRUE;
  base = g_path_get_basename (path);
  g_set_error (error, PL_ERROR, PL_ERROR_INVALID_ARGUMENT,
               _("“%s” does not end in .png, .svg or .pdf."), base);
  return FALSE;
}

gboolean
pl_analysis_write_data (const char  *path,
                        JsonNode    *json,
                        const char  *csv,
                        GError     **error)
{
  PlDataFormat format;
  gsize length;
  g_autofree char *text = NULL;

  if (!pl_data_format_from_path (path, &format, error))
    return FALSE;
  if (format == PL_DATA_CSV)
    return pl_write_file_atomic (path, csv, strlen (csv), error);
  text = pl_json_node_to_string (json, &length);
  return pl_write_file_atomic (path, text, length, error);
}
