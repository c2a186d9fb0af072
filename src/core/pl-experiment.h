/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pl-experiment.h: a .patchlens experiment file (JSON): what the user typed and chose,
 * and the last result if any.
 *
 *   g_autoptr(PlExperiment) e = pl_experiment_load ("michelle.patchlens", &error);
 *   pl_experiment_save (e, "copy.patchlens", &error);     // atomic
 *
 * { "format": "patchlens-experiment", "version": 1, "clean": "...", "corrupted": "...",
 *   "clean_answer": " Jones", "corrupted_answer": " Smith", "site": "resid_post",
 *   "metric": "logit-diff", "direction": "denoise", "by_position": false,
 *   "model": "gpt2", "top_k": 20, "result": { sweep JSON },
 *   "mode": "pairs", "pairs": [ {"clean": ..., ...}, ... one object a pair ],
 *   "set_result": { pl-set-result-store.h } }
 * (direction and by_position are absent from files before head sites: denoise, false;
 * mode, pairs and set_result from files before sets of pairs: single, none.)
 * A newer "version" still opens (unknown fields are ignored); a file that is not an
 * experiment is a PL_ERROR_FORMAT that says so.
 */
#pragma once

#include "pl-sweep.h"
#include "pl-sweep-set.h"

G_BEGIN_DECLS

#define PL_EXPERIMENT_VERSION 1

typedef struct {
  char          *clean;
  char          *corrupted;
  char          *clean_answer;
  char          *corrupted_answer;
  PlSite         site;
  PlMetric       metric;
  char          *model;          /* name or folder; may be NULL */
  int            top_k;
  PlSweepResult *result;         /* may be NULL; owned */
  PlDirection    direction;
  gboolean       by_position;    /* head sites */
  /* A set of pairs (pl-experiment-pairs.c): absent from older files (single mode). */
  gboolean       pairs_mode;     /* "mode": "pairs" rather than "single" */
  char          *pairs;          /* the set as JSON Lines; may be NULL */
  PlSetResult   *set_result;     /* may be NULL; owned */
} PlExperiment;

PlExperiment *pl_experiment_new        (void);
void          pl_experiment_free       (PlExperiment *e);
PlExperiment *pl_experiment_load       (const char   *path,
                                        GError      **error);
PlExperiment *pl_experiment_parse      (const char   *data,
                                        gssize        length,
                                        GError      **error);
char         *pl_experiment_to_json    (const PlExperiment *e,
                                        gsize        *length);
gboolean      pl_experiment_save       (const PlExperiment *e,
                                        const char   *path,
                                        GError      **error);

/* The assignment's examples and an indirect-object pair, for presets. */
typedef struct {
  const char *name;          /* untranslated; N_() marked */
  const char *clean;
  const char *corrupted;
  const char *clean_answer;
  const char *corrupted_answer;
  const char *site;          /* the site that shows the point (at all positions); NULL: any */
} PlPreset;

const PlPreset *pl_presets (guint *n_presets);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlExperiment, pl_experiment_free)

G_END_DECLS
