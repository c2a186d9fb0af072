#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# take-screenshots.sh: builds and installs Patchlens into a scratch prefix, makes a tiny
# random GPT-2 with tests/gen-model.py, runs a sweep with the CLI, and photographs the
# real app under Xvfb at 1280x800: docs/start.png (the tiny model loaded),
# docs/heatmap.png (that sweep opened as an experiment), docs/heatmap-dark.png and
# docs/heatmap-es.png (the same in dark mode and in Spanish), docs/first-run.png (no
# model anywhere: the status page), docs/stale.png (an experiment whose prompts were
# edited after its sweep), docs/presentation.png (F11) and docs/unsaved.png (a sweep
# run with Ctrl+Return, then Ctrl+W: the Save / Discard / Cancel question).
#
#   docs/take-screenshots.sh [BUILDDIR]      (default: build-screenshots)
#   PL_SHOT_SIZE=1024x600 PL_SHOT_OUT=/tmp/small docs/take-screenshots.sh
#                                            (another screen size, elsewhere)
#
# GSettings use a key file in a scratch folder, so nothing of the user's desktop is
# read or written.
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
"$src/tools/install-deps" screenshots
size=${PL_SHOT_SIZE:-1280x800}
build=${1:-build-screenshots}
case $build in /*) ;; *) build=$src/$build ;; esac
prefix=$build/prefix
out=${PL_SHOT_OUT:-$src/docs}
mkdir -p "$out"
scratch=$(mktemp -d)
xvfb_pid=
app_pid=
keys=

cleanup () {
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT INT TERM

step () { printf '== %s\n' "$*"; }

step "build and install into $prefix"
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$src" --prefix="$prefix" >/dev/null
fi
ninja -C "$build" >/dev/null
meson install -C "$build" --quiet >/dev/null

step "tiny model and a sweep on it"
models=$scratch/models
/usr/bin/python3 "$src/tests/gen-model.py" "$models/gpt2" --layers 6 --embd 64 --heads 4
clean="When Mary and John went to the store, John gave a drink to"
corrupted="When Mary and John went to the store, Mary gave a drink to"
export PATCHLENS_MODELS="$models"
"$prefix/bin/patchlens-cli" sweep --model gpt2 --clean "$clean" --corrupted "$corrupted" \
  --clean-answer " Mary" --corrupted-answer " John" --json "$scratch/result.json" >/dev/null
# An experiment file is the CLI's result plus what the user typed.
/usr/bin/python3 - "$scratch/result.json" "$scratch/ioi.patchlens" \
  "$clean" "$corrupted" <<'EOF'
import json, sys
result = json.load(open(sys.argv[1]))
json.dump({"format": "patchlens-experiment", "version": 1,
           "clean": sys.argv[3], "corrupted": sys.argv[4],
           "clean_answer": " Mary", "corrupted_answer": " John",
           "site": "resid_post", "metric": "logit-diff", "model": "gpt2", "top_k": 20,
           "result": result}, open(sys.argv[2], "w"), indent=1)
EOF
# The same experiment with the clean prompt edited after the sweep: opens stale.
/usr/bin/python3 - "$scratch/ioi.patchlens" "$scratch/edited.patchlens" <<'EOF'
import json, sys
e = json.load(open(sys.argv[1]))
e["clean"] = "When Mary and John went to the park, John gave a drink to"
json.dump(e, open(sys.argv[2], "w"), indent=1)
EOF
# The window's size on the chosen screen, through a key file (GSettings' memory
# backend cannot be preset).
mkdir -p "$scratch/xdg/glib-2.0/settings"
printf '[org/patchlens/Patchlens]\nwindow-width=%s\nwindow-height=%s\n' \
  "${size%x*}" "${size#*x}" > "$scratch/xdg/glib-2.0/settings/keyfile"

step "X server"
display=:$(( 90 + $$ % 100 ))
Xvfb "$display" -screen 0 "${size}x24" -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
sleep 1

# shot NAME SECONDS [ENV=VALUE ...] -- [ARGS...]: starts the app, waits, runs $keys
# (if set: an xdotool command chain), photographs. Cairo rendering: GL under Xvfb photographs black.
shot () {
  name=$1; wait_s=$2; shift 2
  envs=
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs="$envs $1"; shift; done
  [ $# -gt 0 ] && shift
  # shellcheck disable=SC2086  # envs is a list of words on purpose
  env DISPLAY="$display" GSETTINGS_BACKEND=keyfile \
      GSETTINGS_SCHEMA_DIR="$prefix/share/glib-2.0/schemas" \
      XDG_DATA_HOME="$scratch/xdg" XDG_CONFIG_HOME="$scratch/xdg" \
      XDG_DATA_DIRS="$prefix/share:/usr/share" \
      GTK_A11Y=none NO_AT_BRIDGE=1 LANG=C.UTF-8 GSK_RENDERER=cairo $envs \
      "$prefix/bin/patchlens" "$@" >"$scratch/$name.log" 2>&1 &
  app_pid=$!
  sleep "$wait_s"
  if ! kill -0 "$app_pid" 2>/dev/null; then
    echo "patchlens exited early; its output:" >&2
    cat "$scratch/$name.log" >&2
    app_pid=
    return 1
  fi
  if [ -n "$keys" ]; then
    # shellcheck disable=SC2086  # keys is an xdotool command chain on purpose
    DISPLAY="$display" xdotool $keys
    sleep 2
  fi
  import -display "$display" -window root "$out/$name.png"
  kill "$app_pid"; wait "$app_pid" 2>/dev/null || true
  app_pid=
  step "wrote docs/$name.png"
}

shot start 6 --
shot heatmap 8 -- "$scratch/ioi.patchlens"
shot heatmap-dark 8 ADW_DEBUG_COLOR_SCHEME=prefer-dark -- "$scratch/ioi.patchlens"
shot heatmap-es 8 LANGUAGE=es -- "$scratch/ioi.patchlens"
# No model in any of the places searched: what a new user sees first.
mkdir -p "$scratch/none"
shot first-run 6 PATCHLENS_MODELS="$scratch/none" HF_HOME="$scratch/none" -- 
shot stale 8 -- "$scratch/edited.patchlens"
keys="key F11"
shot presentation 8 -- "$scratch/ioi.patchlens"
# Run (Ctrl+Return), let it finish, then close (Ctrl+W): the result is unsaved.
keys="key ctrl+Return sleep 3 key ctrl+w"
shot unsaved 8 -- "$scratch/ioi.patchlens"
keys=
